# question: formula_1
# hint: `w_hh` is used where `w_hx` belongs. `h_t_prev` is used where `x_t` belongs.
# about: two copy-paste slips at once: join_weights(w_hh, w_hh) and join_state_and_input(h_t_prev, h_t_prev)
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    result = np.matmul(join_weights(w_hh, w_hh), join_state_and_input(h_t_prev, h_t_prev))
    return result
