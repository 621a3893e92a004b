"""Random draws shared by generators and diagnostics."""

import numpy as np


def uniform_ball(rng, m, d):
    """``m`` points uniform in the unit ball of R^d (a ``RandomState``)."""
    g = rng.standard_normal((m, d))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    return g * rng.random_sample((m, 1)) ** (1.0 / d)
