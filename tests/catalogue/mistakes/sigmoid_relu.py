# question: sigmoid
# hint: sigmoid(0) returned 0.0; the sigmoid of 0 is 0.5
# about: ReLU, max(0, z), in place of the sigmoid: breaks its value at 0, its range and its symmetry
import numpy as np


def sigmoid(z):
    s = np.maximum(0, z)
    return s
