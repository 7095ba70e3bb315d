# question: hidden_state
# hint: `b_h` is added in place, into the array of `formula_1(w_hh, w_hx, h_t_prev, x_t)`
# about: z = formula_1(...); z += b_h: on the lecture's integer data, a float bias cannot be added in place
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    z = formula_1(w_hh, w_hx, h_t_prev, x_t)
    z += b_h
    h_t = sigmoid(z)
    return h_t
