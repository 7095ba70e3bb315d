# question: sigmoid
# hint: nan or inf
# about: exp(z) / (1 + exp(z)) is inf / inf, so nan, for large positive z
import numpy as np


def sigmoid(z):
    s = np.exp(z) / (1 + np.exp(z))
    return s
