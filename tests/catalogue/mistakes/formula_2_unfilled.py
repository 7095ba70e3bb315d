# question: formula_2
# hint: Every value is 0
# about: fills a result column by column but never stores the columns it computes
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = np.zeros((w_hh.shape[0], h_t_prev.shape[1]))
    for j in range(h_t_prev.shape[1]):
        column = np.matmul(w_hh, h_t_prev[:, j]) + np.matmul(w_hx, x_t[:, j])
    return result
