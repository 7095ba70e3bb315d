# about: the @ operator, and hidden_state through formula_2
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    w_h = np.hstack((w_hh, w_hx))
    return w_h @ np.vstack((h_t_prev, x_t))


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    return w_hh @ h_t_prev + w_hx @ x_t


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    return sigmoid(formula_2(w_hh, w_hx, h_t_prev, x_t) + b_h)
