# question: join_state_and_input
# hint: axis=0
# about: joins the state and the input side by side (axis=1)
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    ax = np.concatenate((h_t_prev, x_t), axis=1)
    return ax
