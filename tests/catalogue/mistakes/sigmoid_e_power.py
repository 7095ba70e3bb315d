# question: sigmoid
# hint: `np.e ** (-z)` is written for `np.exp(-z)`
# about: 1 / (1 + np.e ** -z): a single Python float far below 0 raises OverflowError
import numpy as np


def sigmoid(z):
    s = 1 / (1 + np.e ** -z)
    return s
