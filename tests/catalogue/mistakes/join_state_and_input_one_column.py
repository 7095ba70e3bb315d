# question: join_state_and_input
# hint: one column
# about: ravels the inputs, which only works when m = 1
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    ax = np.concatenate((h_t_prev.ravel(), x_t.ravel())).reshape(-1, 1)
    return ax
