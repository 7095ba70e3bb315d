# question: hidden_state
# hint: in place
# about: adds into its argument b_h with +=
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    b_h += formula_1(w_hh, w_hx, h_t_prev, x_t)
    h_t = sigmoid(b_h)
    return h_t
