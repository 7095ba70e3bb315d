# question: hidden_state
# hint: The bias is added 2 times
# about: adds b_h to the pre-activation, then again inside the sigmoid's argument
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    z = formula_1(w_hh, w_hx, h_t_prev, x_t) + b_h
    h_t = sigmoid(z + b_h)
    return h_t
