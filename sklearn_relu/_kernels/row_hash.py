"""Content hash of each row ``(x_i, y_i)``: the split of rows into folds.

For row ``i`` with values ``v_0 .. v_d`` (the ``d`` features, then the label), starting
from ``h = seed``::

    h <- splitmix64(h ^ (bits(v_k + 0.0) + 0x9E3779B97F4A7C15))     for k = 0 .. d

with ``bits`` the IEEE-754 bit pattern read as an unsigned 64-bit integer (``+ 0.0``
maps ``-0.0`` to ``0.0``, so equal values hash equally) and ``splitmix64`` the
finaliser of Steele, Lea & Flood's SplittableRandom (OOPSLA 2014). All arithmetic wraps
modulo ``2**64``. One pass over ``X``, no temporary of its size. The compiled
:func:`row_hashes` and its NumPy twin :func:`row_hashes_numpy` give the same bits.
"""

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


# Rows per block: the block's values are laid out one column per row so that the hash
# runs over the block's rows in the inner loop, independent chains the CPU overlaps
# (row by row, each hash waits for its previous multiply: 7.8 -> 4.5 ms at 1e5 x 20).
HASH_BLOCK = 256


@njit(cache=True, nogil=True)
def row_hashes(X, y, seed):
    """uint64 hash of each row of ``(X, y)`` salted by the uint64 ``seed``."""
    n, d = X.shape
    out = np.empty(n, dtype=np.uint64)
    vals = np.empty((d + 1, min(HASH_BLOCK, n)))  # never more than X's own rows
    bits = vals.view(np.uint64)
    for start in range(0, n, HASH_BLOCK):
        m = min(HASH_BLOCK, n - start)
        for i in range(m):
            for j in range(d):
                vals[j, i] = X[start + i, j] + 0.0
            vals[d, i] = y[start + i] + 0.0
        h = out[start : start + m]
        h[:] = seed
        for j in range(d + 1):
            col = bits[j]
            for i in range(m):
                v = h[i] ^ (col[i] + _GOLDEN)
                v = (v ^ (v >> _S30)) * _M1  # splitmix64, written out: one function
                v = (v ^ (v >> _S27)) * _M2
                h[i] = v ^ (v >> _S31)
    return out


# Rows per block of the NumPy hash: its temporaries (a few columns of this length) stay
# in cache, where whole columns did not (12.6 -> 7.5 ms at 1e5 x 20).
HASH_BLOCK_ROWS = 8192


def row_hashes_numpy(X, y, seed):
    """:func:`row_hashes` in NumPy, the same bits: by blocks of
    :data:`HASH_BLOCK_ROWS` rows, one column of the block at a time, in place (no
    compilation, for inputs too small to pay for it).
    """
    n, d = X.shape
    out = np.empty(n, dtype=np.uint64)
    vals = np.empty((d + 1, min(HASH_BLOCK_ROWS, n)))  # the block, one row per column
    tmp = np.empty(vals.shape[1], dtype=np.uint64)
    for start in range(0, n, HASH_BLOCK_ROWS):
        m = min(HASH_BLOCK_ROWS, n - start)
        v = vals[:, :m]
        v[:d] = X[start : start + m].T
        v[d] = y[start : start + m]
        v += 0.0  # -0.0 -> 0.0: equal values hash equally
        bits = v.view(np.uint64)
        bits += _GOLDEN
        h, t = out[start : start + m], tmp[:m]
        h[:] = seed
        for j in range(d + 1):  # h <- splitmix64(h ^ (bits + golden)), wrapping
            h ^= bits[j]
            np.right_shift(h, _S30, out=t)
            h ^= t
            h *= _M1
            np.right_shift(h, _S27, out=t)
            h ^= t
            h *= _M2
            np.right_shift(h, _S31, out=t)
            h ^= t
    return out
