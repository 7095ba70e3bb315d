# question: formula_2
# hint: lost their fractional part
# about: casts the sum to int: right on integer inputs, wrong on floats
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = (np.matmul(w_hh, h_t_prev) + np.matmul(w_hx, x_t)).astype(int)
    return result
