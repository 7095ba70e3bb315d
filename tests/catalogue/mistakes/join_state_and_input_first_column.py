# question: join_state_and_input
# hint: one column
# about: keeps only the first column ([:, 0]), a 1-D result reshaped to one column
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    ax = np.append(h_t_prev[:, 0], x_t[:, 0]).reshape(-1, 1)
    return ax
