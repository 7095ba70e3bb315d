# question: sigmoid
# hint: tanh
# about: uses tanh, another activation
import numpy as np


def sigmoid(z):
    s = np.tanh(z)
    return s
