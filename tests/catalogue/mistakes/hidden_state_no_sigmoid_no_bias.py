# question: hidden_state
# hint: sigmoid is missing
# about: returns formula_1 alone: no bias, no sigmoid
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    h_t = formula_1(w_hh, w_hx, h_t_prev, x_t)
    return h_t
