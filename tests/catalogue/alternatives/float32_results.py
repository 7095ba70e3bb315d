# about: computes in float32, within the documented relative tolerance
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    w_h = join_weights(w_hh, w_hx).astype(np.float32)
    return w_h @ join_state_and_input(h_t_prev, x_t).astype(np.float32)


def sigmoid(z):
    z = np.asarray(z, dtype=np.float32)
    return 1 / (1 + np.exp(-z))
