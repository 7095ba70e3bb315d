# root: join_state_and_input
# dependents: formula_1, formula_2, hidden_state
# score: 7
# about: puts x_t above h_t_prev, so formula_1 (which calls it) returns wrong values, with no error to point at the cause
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    ax = np.vstack((x_t, h_t_prev))
    return ax
