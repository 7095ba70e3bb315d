# question: sigmoid
# hint: raised to a large power with **
# about: 1 / (1 + np.e ** -z): a single Python float far below 0 raises OverflowError
import numpy as np


def sigmoid(z):
    s = 1 / (1 + np.e ** -z)
    return s
