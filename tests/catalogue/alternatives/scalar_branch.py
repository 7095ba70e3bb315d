# about: math.exp for a single number, np.exp for arrays; formula_2 through formula_1's blocks
import math

import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    n_h = w_hh.shape[1]
    w_h = join_weights(w_hh, w_hx)
    return np.matmul(w_h[:, :n_h], h_t_prev) + np.matmul(w_h[:, n_h:], x_t)


def sigmoid(z):
    if np.isscalar(z):
        return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    return 1 / (1 + np.exp(-np.asarray(z)))
