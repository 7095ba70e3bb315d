# root: join_weights
# dependents: formula_1, formula_2, hidden_state
# score: 7
# about: joins W_hh and W_hx along axis=0, so it raises; formula_1 and hidden_state call it, and formula_2's "formulas agree" check calls formula_1
import numpy as np


def join_weights(w_hh, w_hx):
    w_h = np.concatenate((w_hh, w_hx), axis=0)
    return w_h
