# question: sigmoid
# hint: stops changing beyond some distance from 0
# feedback: First difference: entry [0, 0] is 4.5397868702434395e-05, expected 0.0 (off by 4.54e-05).
# about: clips z to [-10, 10] before np.exp: right near 0, 4.5e-05 off for large inputs
import numpy as np


def sigmoid(z):
    z = np.clip(z, -10, 10)
    s = 1 / (1 + np.exp(-z))
    return s
