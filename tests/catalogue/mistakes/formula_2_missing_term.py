# question: formula_2
# hint: add W_hx x_t
# about: forgets the input term
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = np.matmul(w_hh, h_t_prev)
    return result
