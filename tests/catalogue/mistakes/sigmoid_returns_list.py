# question: sigmoid
# hint: not a numpy array
# about: builds a Python list
import numpy as np


def sigmoid(z):
    s = [1 / (1 + np.exp(-v)) for v in np.ravel(z)]
    return s
