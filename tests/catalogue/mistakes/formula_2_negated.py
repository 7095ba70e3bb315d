# question: formula_2
# hint: wrong sign
# about: a minus in front of each product
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = -np.matmul(w_hh, h_t_prev) - np.matmul(w_hx, x_t)
    return result
