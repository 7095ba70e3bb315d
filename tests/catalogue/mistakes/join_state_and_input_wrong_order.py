# question: join_state_and_input
# hint: h_t_prev goes on top
# about: puts x_t above h_t_prev
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    ax = np.vstack((x_t, h_t_prev))
    return ax
