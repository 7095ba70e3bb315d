# question: join_weights
# hint: not a numpy array
# about: returns a nested list instead of an array
import numpy as np


def join_weights(w_hh, w_hx):
    w_h = np.hstack((w_hh, w_hx)).tolist()
    return w_h
