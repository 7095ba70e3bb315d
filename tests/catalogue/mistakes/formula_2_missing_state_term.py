# question: formula_2
# hint: add W_hh h_t_prev
# about: forgets the previous hidden state's term
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = np.matmul(w_hx, x_t)
    return result
