# question: sigmoid
# hint: sigmoid(-z) = 1 - sigmoid(z)
# about: squares the sigmoid (as in its derivative's formulas): wrong at 0 and not symmetric
import numpy as np


def sigmoid(z):
    s = (1 / (1 + np.exp(-z))) ** 2
    return s
