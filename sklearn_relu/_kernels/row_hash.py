"""Content hash of each row ``(x_i, y_i)``: the split of rows into folds.

For row ``i`` with values ``v_0 .. v_d`` (the ``d`` features, then the label), starting
from ``h = seed``::

    h <- splitmix64(h ^ (bits(v_k + 0.0) + 0x9E3779B97F4A7C15))     for k = 0 .. d

with ``bits`` the IEEE-754 bit pattern read as an unsigned 64-bit integer (``+ 0.0``
maps ``-0.0`` to ``0.0``, so equal values hash equally) and ``splitmix64`` the
finaliser of Steele, Lea & Flood's SplittableRandom (OOPSLA 2014). All arithmetic wraps
modulo ``2**64``. One pass over ``X``, no temporary of its size.
"""

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


@njit(cache=True, nogil=True, inline="always")
def _splitmix64(h):
    h = (h ^ (h >> _S30)) * _M1
    h = (h ^ (h >> _S27)) * _M2
    return h ^ (h >> _S31)


@njit(cache=True, nogil=True)
def row_hashes(X, y, seed):
    """uint64 hash of each row of ``(X, y)`` salted by the uint64 ``seed``."""
    n, d = X.shape
    out = np.empty(n, dtype=np.uint64)
    buf = np.empty(1)
    bits = buf.view(np.uint64)
    for i in range(n):
        h = seed
        for j in range(d + 1):
            buf[0] = (X[i, j] if j < d else y[i]) + 0.0
            h = _splitmix64(h ^ (bits[0] + _GOLDEN))
        out[i] = h
    return out
