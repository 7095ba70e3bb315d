# question: formula_2
# hint: element by element
# about: element-wise `*` instead of matrix products
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = w_hh * h_t_prev + w_hx * x_t
    return result
