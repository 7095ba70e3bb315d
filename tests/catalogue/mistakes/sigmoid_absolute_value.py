# question: sigmoid
# hint: the sigmoid increases with z
# never: The sign is flipped
# about: exp(-|z|), an attempt at a stable sigmoid: right for z >= 0, the mirror image below
import numpy as np


def sigmoid(z):
    s = 1 / (1 + np.exp(-np.abs(z)))
    return s
