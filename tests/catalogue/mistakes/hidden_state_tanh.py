# question: hidden_state
# hint: tanh
# about: tanh instead of the sigmoid
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    h_t = np.tanh(formula_2(w_hh, w_hx, h_t_prev, x_t) + b_h)
    return h_t
