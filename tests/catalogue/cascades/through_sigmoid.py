# root: sigmoid
# dependents: hidden_state
# score: 9
# about: exp(z) instead of exp(-z); hidden_state calls it, and its "activations agree" check calls it directly
import numpy as np


def sigmoid(z):
    s = 1 / (1 + np.exp(z))
    return s
