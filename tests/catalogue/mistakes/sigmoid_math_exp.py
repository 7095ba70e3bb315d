# question: sigmoid
# hint: use np.exp
# about: math.exp works on single numbers only
import math

import numpy as np


def sigmoid(z):
    s = 1 / (1 + math.exp(-z))
    return s
