# question: hidden_state
# hint: bias b_h is missing
# about: forgets b_h
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    h_t = sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t))
    return h_t
