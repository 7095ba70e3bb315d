# question: formula_1
# hint: different orders
# about: joins the weights as [W_hx | W_hh] but the state as [h; x]
import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    result = np.hstack((w_hx, w_hh)) @ np.vstack((h_t_prev, x_t))
    return result
