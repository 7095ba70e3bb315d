# question: formula_1
# hint: variables from other cells
# about: multiplies w_h and ax, the globals the notebook's demo cells computed
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    result = np.matmul(w_h, ax)
    return result
