# question: join_state_and_input
# hint: don't flatten
# about: flattens the result to 1-D
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    ax = np.vstack((h_t_prev, x_t)).flatten()
    return ax
