# question: sigmoid
# hint: imports scipy, which grading does not have
# about: scipy's expit, imported inside the function; grading has numpy and the standard library only
import numpy as np


def sigmoid(z):
    from scipy.special import expit
    return expit(z)
