# about: np.einsum for every product
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    return np.einsum("ij,jk->ik", join_weights(w_hh, w_hx), join_state_and_input(h_t_prev, x_t))


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    return np.einsum("ij,jk->ik", w_hh, h_t_prev) + np.einsum("ij,jk->ik", w_hx, x_t)
