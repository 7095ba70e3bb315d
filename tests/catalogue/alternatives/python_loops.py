# about: plain Python loops everywhere, a stable sigmoid with math.exp per element
import math

import numpy as np


def join_weights(w_hh, w_hx):
    rows = []
    for i in range(len(w_hh)):
        rows.append(list(w_hh[i]) + list(w_hx[i]))
    return np.array(rows)


def join_state_and_input(h_t_prev, x_t):
    rows = [list(row) for row in h_t_prev]
    for row in x_t:
        rows.append(list(row))
    return np.array(rows)


def matmul(a, b):
    out = np.zeros((a.shape[0], b.shape[1]))
    for i in range(a.shape[0]):
        for k in range(b.shape[1]):
            total = 0.0
            for j in range(a.shape[1]):
                total += a[i, j] * b[j, k]
            out[i, k] = total
    return out


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    return matmul(join_weights(w_hh, w_hx), join_state_and_input(h_t_prev, x_t))


def formula_2(w_hh, w_hx, h_t_prev, x_t):
    return matmul(w_hh, h_t_prev) + matmul(w_hx, x_t)


def logistic(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid(z):
    if np.ndim(z) == 0:
        return logistic(float(z))
    out = np.empty(np.shape(z))
    for index in np.ndindex(out.shape):
        out[index] = logistic(float(z[index]))
    return out


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    z = formula_1(w_hh, w_hx, h_t_prev, x_t)
    out = np.empty(z.shape)
    for i in range(z.shape[0]):
        for k in range(z.shape[1]):
            out[i, k] = sigmoid(z[i, k] + b_h[i, 0])
    return out
