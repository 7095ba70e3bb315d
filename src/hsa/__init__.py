"""hidden-state-activation: an auto-graded Jupyter assignment on a vanilla RNN's hidden state.

The package's folders follow the pipeline and the trust boundary (see the README's
"Architecture"): ``untrusted/`` runs beside student code, ``sandbox/`` starts and
polices it, ``trusted/`` judges; ``assign`` and ``grade/`` are the verbs, ``platforms/`` the
grading platforms' entry points around one grading core.
"""

__version__ = "0.1.0"
