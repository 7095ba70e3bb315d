# about: np.dot and the .dot method for the matrix products
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    return np.dot(join_weights(w_hh, w_hx), join_state_and_input(h_t_prev, x_t))


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    return w_hh.dot(h_t_prev) + w_hx.dot(x_t)
