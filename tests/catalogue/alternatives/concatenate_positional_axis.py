# about: np.concatenate with the axis given by position, lists instead of tuples
import numpy as np


def join_weights(w_hh, w_hx):
    return np.concatenate([w_hh, w_hx], 1)


def join_state_and_input(h_t_prev, x_t):
    return np.concatenate([h_t_prev, x_t], 0)
