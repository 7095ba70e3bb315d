# question: join_state_and_input
# hint: `h_t_prev` and `x_t` are added instead of joined
# never: `*` multiplies element by element
# about: h_t_prev + x_t, as if + joined arrays: a broadcasting error in code that has no `*`
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    ax = h_t_prev + x_t
    return ax
