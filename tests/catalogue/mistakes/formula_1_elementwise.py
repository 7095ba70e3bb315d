# question: formula_1
# hint: element by element
# about: element-wise `*` where a matrix product belongs
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    result = join_weights(w_hh, w_hx) * join_state_and_input(h_t_prev, x_t)
    return result
