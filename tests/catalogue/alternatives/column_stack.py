# about: np.column_stack for the weights, np.vstack for the state and input
import numpy as np


def join_weights(w_hh, w_hx):
    return np.column_stack((w_hh, w_hx))


def join_state_and_input(h_t_prev, x_t):
    return np.vstack((h_t_prev, x_t))
