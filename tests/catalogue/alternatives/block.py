# about: np.block for both joins
import numpy as np


def join_weights(w_hh, w_hx):
    return np.block([w_hh, w_hx])


def join_state_and_input(h_t_prev, x_t):
    return np.block([[h_t_prev], [x_t]])
