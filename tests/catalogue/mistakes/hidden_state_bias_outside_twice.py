# question: hidden_state
# hint: added after the sigmoid
# about: the bias after the sigmoid, and twice
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    h_t = sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t)) + 2 * b_h
    return h_t
