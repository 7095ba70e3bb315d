# about: the sigmoid through tanh: sigmoid(z) = (1 + tanh(z / 2)) / 2
import numpy as np


def sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))
