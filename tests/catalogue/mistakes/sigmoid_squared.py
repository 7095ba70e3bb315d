# question: sigmoid
# hint: the sigmoid increases with z
# about: exp(-z ** 2), as in a Gaussian, for exp(-z): right at 0, but it falls where z < 0
import numpy as np


def sigmoid(z):
    s = 1 / (1 + np.exp(-z ** 2))
    return s
