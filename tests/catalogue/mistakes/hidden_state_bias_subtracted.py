# question: hidden_state
# hint: bias is subtracted
# about: sigmoid(W_h [h; x] - b_h)
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    h_t = sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t) - b_h)
    return h_t
