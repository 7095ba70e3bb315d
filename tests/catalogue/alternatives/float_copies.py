# about: converts to float copies first, then changes only its own arrays in place
import numpy as np


def join_weights(w_hh, w_hx):
    return np.hstack((np.asarray(w_hh, dtype=float), np.asarray(w_hx, dtype=float)))


def sigmoid(z):
    s = np.array(z, dtype=float)
    s *= -1
    np.exp(s, out=s)
    s += 1
    return 1 / s


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    z = formula_1(w_hh, w_hx, h_t_prev, x_t).astype(float)
    z += b_h
    return sigmoid(z)
