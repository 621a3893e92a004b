"""Numba kernels on plain float64 arrays (one module per mathematical object).

Importing this package compiles nothing: every kernel is a lazy ``@njit(cache=True)``
function, compiled on first call and cached on disk (``NUMBA_CACHE_DIR``).
"""
