"""Thread count of the numba kernels, set for a block of code and restored after."""

from contextlib import contextmanager

import numba
from joblib import effective_n_jobs


def resolve_n_jobs(n_jobs):
    """Map an ``n_jobs``-style value to a numba thread count (``None`` → all cores
    numba was started with; negative values count back from there as in joblib)."""
    limit = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return limit
    n = effective_n_jobs(n_jobs)
    return max(1, min(int(n), limit))


@contextmanager
def kernel_threads(n_jobs=None):
    """Run the enclosed numba kernels on ``n_jobs`` threads, then restore the
    previous count (in ``finally``, so an exception does not leak the setting)."""
    previous = numba.get_num_threads()
    numba.set_num_threads(resolve_n_jobs(n_jobs))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
