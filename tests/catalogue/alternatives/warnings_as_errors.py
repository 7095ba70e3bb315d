# about: the master, with a last cell that turns every warning into an error (overflow in exp must not fail)
import warnings

import numpy as np

np.seterr(all="raise")
warnings.simplefilter("error")
