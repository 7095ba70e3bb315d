# question: join_weights
# hint: transpose
# about: transposes the joined weights
import numpy as np


def join_weights(w_hh, w_hx):
    w_h = np.concatenate((w_hh, w_hx), axis=1).T
    return w_h
