"""Thread settings for parallel workers (dask, joblib, ray)."""

THREAD_ENV_VARS = (
    "NUMBA_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def worker_thread_env(threads_per_worker=1):
    """Environment that caps numba and BLAS threads in a worker process.

    numba fixes its thread-pool size when the process starts and its
    ``set_num_threads`` is thread-local, so the reliable way to keep ``k`` workers on
    ``k`` cores from each spawning a full pool is to start them with this environment,
    e.g. ``dask.distributed.LocalCluster(n_workers=2, threads_per_worker=1,
    env=worker_thread_env(1))``, or ``ray.init(runtime_env={"env_vars": ...})``.

    Parameters
    ----------
    threads_per_worker : int, default=1
        Number of numba and BLAS threads allowed in each worker.

    Returns
    -------
    env : dict of str to str
        ``NUMBA_NUM_THREADS``, ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and
        ``MKL_NUM_THREADS`` set to ``threads_per_worker``.

    Examples
    --------
    >>> from sklearn_relu.utils import worker_thread_env
    >>> worker_thread_env(2)["NUMBA_NUM_THREADS"]
    '2'
    """
    if (
        isinstance(threads_per_worker, bool)
        or not isinstance(threads_per_worker, int)
        or threads_per_worker < 1
    ):
        raise ValueError(f"threads_per_worker must be an int >= 1, got {threads_per_worker!r}.")
    return {name: str(threads_per_worker) for name in THREAD_ENV_VARS}
