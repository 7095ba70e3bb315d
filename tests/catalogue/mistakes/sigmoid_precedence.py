# question: sigmoid
# hint: parentheses
# about: 1 / 1 + exp(-z): the division happens first
import numpy as np


def sigmoid(z):
    s = 1 / 1 + np.exp(-z)
    return s
