# about: numpy's index tricks np.c_ and np.r_
import numpy as np


def join_weights(w_hh, w_hx):
    return np.c_[w_hh, w_hx]


def join_state_and_input(h_t_prev, x_t):
    return np.r_[h_t_prev, x_t]
