# question: formula_1
# hint: off by the same amount
# about: adds 1 as a stand-in for a bias that formula_1 does not have
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    result = np.matmul(join_weights(w_hh, w_hx), join_state_and_input(h_t_prev, x_t)) + 1
    return result
