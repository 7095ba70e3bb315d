# question: sigmoid
# hint: returned None
# about: returns nothing for a single number
import numpy as np


def sigmoid(z):
    if isinstance(z, np.ndarray):
        return 1 / (1 + np.exp(-z))
