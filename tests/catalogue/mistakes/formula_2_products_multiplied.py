# question: formula_2
# hint: are multiplied element by element (`*`); they should be added
# about: multiplies the two products element by element instead of adding them
import numpy as np


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    result = np.matmul(w_hh, h_t_prev) * np.matmul(w_hx, x_t)
    return result
