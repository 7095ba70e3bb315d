# question: join_state_and_input
# hint: `h_t_prev` and `x_t` are joined as the items of a new array, as np.array does
# about: np.array([h_t_prev, x_t]): a new array of two items, ragged when n_h != n_x
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    ax = np.array([h_t_prev, x_t])
    return ax
