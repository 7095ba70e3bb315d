# question: hidden_state
# hint: `w_hh` or `h_t_prev` is left out
# about: sigmoid(W_hx x_t + b_h): forgets the previous hidden state's term
import numpy as np


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    h_t = sigmoid(np.matmul(w_hx, x_t) + b_h)
    return h_t
