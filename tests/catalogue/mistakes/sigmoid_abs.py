# question: sigmoid
# hint: the sigmoid increases with z
# about: np.abs(z) to keep exp from overflowing: right at 0 and for z > 0, but it falls where z < 0
import numpy as np


def sigmoid(z):
    s = 1 / (1 + np.exp(-np.abs(z)))
    return s
