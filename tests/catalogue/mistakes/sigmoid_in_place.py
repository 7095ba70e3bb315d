# question: sigmoid
# hint: in place
# about: negates its argument in place with *=
import numpy as np


def sigmoid(z):
    z *= -1
    s = 1 / (1 + np.exp(z))
    return s
