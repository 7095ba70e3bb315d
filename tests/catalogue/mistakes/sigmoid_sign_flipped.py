# question: sigmoid
# hint: sign is flipped
# about: exp(z) instead of exp(-z)
import numpy as np


def sigmoid(z):
    s = 1 / (1 + np.exp(z))
    return s
