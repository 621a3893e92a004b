"""Row blocks of dask arrays, kept where they live, and sums over them in one round trip.

The one home of the scale-out plumbing of the SQ oracle
(:class:`~sklearn_relu.oracles.DaskOracle`) and of the giant-step learner
(:class:`~sklearn_relu.GiantStepRegressor`). A :class:`BlockSums` holds the row blocks
of a computation (each a tuple of contiguous arrays made by one task). On a
``dask.distributed`` cluster the blocks are computed once and stay in the workers'
memory; :meth:`BlockSums.sum` then sends one task per worker thread, which applies a
function to each of its worker's blocks in row order and adds the results, and the
client adds the few partial sums in a fixed order. The blocks keep their lineage: a
worker lost mid-fit has its blocks recomputed and its tasks rerun elsewhere, with the
same result. Without a cluster (dask's local schedulers) the blocks are recomputed for
every sum, so a lazy, out-of-core array is read chunk by chunk and never held whole.
"""

import numpy as np

from .utils._threads import add, tree_sum
from .utils.validation import magnitude_sums, root_mean_square


def distributed_client(scheduler=None):
    """The ``distributed.Client`` to run on, or None for a local scheduler.

    ``scheduler``: None (the active client, if any), a ``Client``, or the name of a
    local scheduler ('threads', 'sync', ...).
    """
    if scheduler is not None:
        return scheduler if hasattr(scheduler, "submit") else None
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:  # no client: dask's default scheduler
        return None


def row_slices(rows):
    """``slice`` of each row chunk, from dask's chunk sizes."""
    bounds = np.cumsum((0,) + tuple(rows))
    return [slice(int(bounds[i]), int(bounds[i + 1])) for i in range(len(rows))]


def _apply(func, args, *blocks):
    """Worker side of :meth:`BlockSums.sum`: ``func(*block, *args)`` summed in order."""
    total = None
    for block in blocks:
        part = func(*block, *args)
        total = part if total is None else add(total, part)
    return total


class BlockSums:
    """Row blocks placed once, summed over in one round trip per call.

    Parameters
    ----------
    blocks : list of dask.delayed
        One delayed tuple of arrays per row chunk, in row order.
    scheduler : str, distributed.Client or None, default=None
        See :func:`distributed_client`.
    """

    def __init__(self, blocks, scheduler=None):
        self.scheduler = scheduler
        self.client = distributed_client(scheduler)
        self.n_calls = 0
        if self.client is None:
            self.blocks, self.groups = blocks, None
        else:
            self.blocks, self.groups = None, self._place(blocks)

    def _place(self, blocks):
        """Compute the blocks on the workers; deal each worker's blocks (row order)
        round-robin to its threads: ``[(address, [futures]), ...]``.
        """
        from distributed import wait

        client = self.client
        futures = client.compute(blocks)
        wait(futures)
        where = client.who_has(futures)
        nthreads = client.nthreads()
        by_worker = {}
        for f in futures:
            addr = sorted(where.get(f.key, ()))[:1]
            by_worker.setdefault(addr[0] if addr else None, []).append(f)
        groups = []
        for addr in sorted(by_worker, key=str):
            fs = by_worker[addr]
            k = max(1, min(nthreads.get(addr, 1), len(fs)))
            groups += [(addr, fs[t::k]) for t in range(k)]
        return groups

    def sum(self, func, *args):
        """``sum over blocks of func(*block, *args)``, in one round trip.

        ``func`` must be an importable (module-level) function; its results must add
        up (arrays, tuples of arrays, floats).
        """
        self.n_calls += 1
        if self.groups is None:
            import dask
            from dask import delayed

            parts = [delayed(_apply)(func, args, b) for b in self.blocks]
            kw = {} if self.scheduler is None else {"scheduler": self.scheduler}
            return dask.compute(delayed(tree_sum)(parts), **kw)[0]
        futures = [
            self.client.submit(
                _apply,
                func,
                args,
                *blocks,
                workers=[addr],
                allow_other_workers=True,  # a lost worker's share runs elsewhere
                pure=False,
            )
            for addr, blocks in self.groups
        ]
        return tree_sum(self.client.gather(futures))

    def workers(self):
        """Addresses of the workers holding blocks (empty without a cluster)."""
        return set() if self.groups is None else {addr for addr, _ in self.groups}


def is_dask_array(X):
    """True for a ``dask.array.Array`` (without importing dask)."""
    mod = type(X).__module__
    return mod.startswith("dask.") and type(X).__name__ == "Array"


def check_dask_xy(X, y, name):
    """The checks of ``validate_data`` for a dask ``X``, without loading it.

    Returns ``(X, y, x_rms)`` with ``y`` a float64 NumPy vector (the labels are brought
    into memory: one column) and ``x_rms`` the root mean square of ``X``, read in the
    same pass as the finiteness check. Raises the ValueError a scikit-learn user expects, naming
    ``name``, for a non-2-D or non-numeric ``X``, unknown chunk sizes, a ``y`` of the
    wrong length, or non-finite entries (one pass over ``X``).
    """
    import dask.array as da

    if X.ndim != 2:
        raise ValueError(f"{name}: expected a 2D dask array X, got {X.ndim}D.")
    if not np.issubdtype(X.dtype, np.number):
        raise ValueError(f"{name}: dask array X must be numeric, got dtype {X.dtype}.")
    n, d = X.shape
    if np.isnan(n) or n < 1 or d < 1:
        raise ValueError(
            f"{name}: found X with shape {X.shape}; need known, positive sizes "
            "(call X.compute_chunk_sizes() for unknown chunks)."
        )
    y = np.asarray(y.compute() if isinstance(y, da.Array) else y, dtype=np.float64)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{name}: y must be 1-D with {n} entries, got shape {y.shape}.")
    sums = magnitude_sums(X)  # one pass over X: finiteness and magnitude together
    if not (np.isfinite(sums[0]) and np.all(np.isfinite(y))):
        raise ValueError(f"{name}: input X or y contains NaN or infinity.")
    return X, y, root_mean_square(X, sums)
