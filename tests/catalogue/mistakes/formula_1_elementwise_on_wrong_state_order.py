# question: formula_1
# hint: are multiplied element by element (`*`); they should be matrix-multiplied
# never: alone could bring back
# about: two mistakes at once: join_state_and_input puts x_t on top, and formula_1 multiplies with * ; formula_1's own mistake is named, and no fix alone is promised
import numpy as np


def join_state_and_input(h_t_prev, x_t):
    ax = np.vstack((x_t, h_t_prev))
    return ax


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    result = join_weights(w_hh, w_hx) * join_state_and_input(h_t_prev, x_t)
    return result
