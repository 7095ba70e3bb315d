# question: sigmoid
# hint: sigmoid(1) returned 0.8808
# about: the tanh form of the sigmoid without halving z, 0.5 (1 + tanh(z)), which is sigmoid(2z)
import numpy as np


def sigmoid(z):
    s = 0.5 * (1 + np.tanh(z))
    return s
