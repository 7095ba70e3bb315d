# question: formula_2
# hint: is not defined when the notebook runs
# about: uses W_hh and W_hx, names from a scratch cell that is gone when it is graded
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = np.matmul(W_hh, h_t_prev) + np.matmul(W_hx, x_t)
    return result
