# question: join_weights
# hint: W_hh first
# about: puts W_hx before W_hh
import numpy as np


def join_weights(w_hh, w_hx):
    w_h = np.hstack((w_hx, w_hh))
    return w_h
