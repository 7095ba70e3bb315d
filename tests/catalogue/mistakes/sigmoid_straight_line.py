# question: sigmoid
# hint: outside (0, 1)
# about: a straight line through sigmoid(0) = 0.5 (its tangent, with the wrong slope): right at 0, increasing and symmetric, but it leaves (0, 1)
import numpy as np


def sigmoid(z):
    s = 0.5 + z / 2
    return s
