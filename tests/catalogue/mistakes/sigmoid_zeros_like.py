# question: sigmoid
# hint: makes an array of z's own type
# about: fills np.zeros_like(z): integers for integer inputs, so every value is cut to 0
import numpy as np


def sigmoid(z):
    s = np.zeros_like(z)
    s[...] = 1 / (1 + np.exp(-z))
    return s
