# question: join_weights
# hint: `np.hstack` takes the arrays in one tuple
# about: np.hstack(w_hh, w_hx): the arrays as two arguments, not one tuple
import numpy as np


def join_weights(w_hh, w_hx):
    w_h = np.hstack(w_hh, w_hx)
    return w_h
