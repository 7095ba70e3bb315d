# question: formula_2
# hint: times the same factor
# about: averages the two products instead of adding them
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = np.mean([np.matmul(w_hh, h_t_prev), np.matmul(w_hx, x_t)], axis=0)
    return result
