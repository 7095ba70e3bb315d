# question: join_weights
# hint: axis=1
# about: joins the weights one above the other (axis=0) instead of side by side
import numpy as np


def join_weights(w_hh, w_hx):
    w_h = np.concatenate((w_hh, w_hx), axis=0)
    return w_h
