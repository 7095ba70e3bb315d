# question: formula_1
# hint: transpose
# about: multiplies in the wrong order with transposes, giving (m, n_h)
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    result = join_state_and_input(h_t_prev, x_t).T @ join_weights(w_hh, w_hx).T
    return result
