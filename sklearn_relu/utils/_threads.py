"""Thread count of the numba kernels, set for a block of code and restored after."""

from contextlib import ExitStack, contextmanager, nullcontext

import numba
from joblib import effective_n_jobs


def resolve_n_jobs(n_jobs):
    """Map an ``n_jobs``-style value to a numba thread count.

    Parameters
    ----------
    n_jobs : int or None
        ``None``: all threads numba was started with; other values are resolved
        as in joblib (negative values count back from the number of CPUs), then
        clipped to ``[1, NUMBA_NUM_THREADS]``.

    Returns
    -------
    n_threads : int
        Number of numba threads to use.
    """
    limit = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return limit
    n = effective_n_jobs(n_jobs)
    return max(1, min(int(n), limit))


@contextmanager
def kernel_threads(n_jobs=None):
    """Run the enclosed numba kernels on ``n_jobs`` threads, then restore the count.

    The previous count is restored in ``finally``, so an exception does not leak
    the setting.

    Parameters
    ----------
    n_jobs : int or None, default=None
        Thread count, resolved as in joblib and capped at the size of numba's
        pool; None uses every thread numba was started with.

    Yields
    ------
    None
        Control passes to the body of the ``with`` block.
    """
    previous = numba.get_num_threads()
    numba.set_num_threads(resolve_n_jobs(n_jobs))
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def blas_threads(n_jobs):
    """Context manager limiting BLAS to ``n_jobs`` threads (no-op for None)."""
    if n_jobs is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=resolve_n_jobs(n_jobs), user_api="blas")


def compute_threads(n_jobs):
    """numba threads and (when ``n_jobs`` is set) BLAS threads, restored on exit."""
    stack = ExitStack()
    stack.enter_context(kernel_threads(n_jobs))
    stack.enter_context(blas_threads(n_jobs))
    return stack
