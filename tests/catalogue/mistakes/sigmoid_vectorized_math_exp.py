# question: sigmoid
# hint: np.exp returns inf there instead
# about: math.exp through np.vectorize: right on ordinary inputs, OverflowError on large negative ones
import math

import numpy as np


def sigmoid(z):
    s = np.vectorize(lambda v: 1 / (1 + math.exp(-v)))(z)
    return s
