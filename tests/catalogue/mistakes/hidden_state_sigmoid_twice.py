# question: hidden_state
# hint: The sigmoid is applied twice
# about: applies the sigmoid to a result that already went through it
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    a = sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t) + b_h)
    h_t = sigmoid(a)
    return h_t
