# question: formula_1
# hint: keeps a value from one call to the next
# about: keeps the joined weights of its first call in a module-level global, so later calls with other sizes go wrong
import numpy as np

_w_h = None


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    global _w_h
    if _w_h is None:
        _w_h = join_weights(w_hh, w_hx)
    result = np.matmul(_w_h, join_state_and_input(h_t_prev, x_t))
    return result
