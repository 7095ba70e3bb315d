# question: formula_1
# hint: fix that function first
# about: formula_1 calls a join_state_and_input that puts x_t on top (the other mistake cascades)
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    return np.vstack((x_t, h_t_prev))


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    return join_weights(w_hh, w_hx) @ join_state_and_input(h_t_prev, x_t)
