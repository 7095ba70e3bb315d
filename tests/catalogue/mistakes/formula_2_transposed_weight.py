# question: formula_2
# hint: `w_hh` is transposed
# about: w_hh.T @ h_t_prev: right shape for a square W_hh, wrong values
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = np.matmul(w_hh.T, h_t_prev) + np.matmul(w_hx, x_t)
    return result
