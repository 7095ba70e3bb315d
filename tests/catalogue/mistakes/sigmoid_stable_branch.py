# question: sigmoid
# hint: sigmoid(-z) = 1 - sigmoid(z)
# about: a "stable" sigmoid whose branch for z < 0 divides by 1 + exp(-z) instead of 1 + exp(z)
import numpy as np


def sigmoid(z):
    s = np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(-z)))
    return s
