"""A generator's data on disk, chunk by chunk: a zarr store that a dask array reads.

:func:`dump_zarr` writes ``X`` and ``y`` of any ``make_*`` generator whose planted
truth is fixed by its ``direction`` one row chunk at a time (never the whole matrix in
memory) and keeps the planted information beside them in the store's attributes;
:func:`load_zarr` opens the store as dask arrays for a fit on a ``dask.distributed``
cluster (see the scale-out section of :ref:`single_neuron`).
"""

import numbers

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._validation import _check_int

__all__ = ["dump_zarr", "load_zarr"]

# Fields of ``info`` that are means over the drawn rows: combined over chunks by row count.
_EMPIRICAL = ("planted_loss_empirical",)


def _to_attr(value):
    """A JSON-safe copy of one ``info`` field (arrays as nested lists)."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, numbers.Number, type(None), bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_to_attr(v) for v in value]
    return repr(value)


def _from_attr(value):
    if isinstance(value, dict) and "__ndarray__" in value:
        return np.asarray(value["__ndarray__"], dtype=value["dtype"])
    if isinstance(value, list):
        return [_from_attr(v) for v in value]
    return value


def _same_value(va, vb):
    if isinstance(va, np.ndarray) or isinstance(vb, np.ndarray):
        return np.shape(va) == np.shape(vb) and np.allclose(va, vb, rtol=1e-12, atol=0)
    if isinstance(va, (list, tuple)) and isinstance(vb, (list, tuple)):
        return len(va) == len(vb) and all(_same_value(x, z) for x, z in zip(va, vb, strict=True))
    if isinstance(va, numbers.Real) and isinstance(vb, numbers.Real):
        return bool(va == vb or (np.isnan(va) and np.isnan(vb)))
    return bool(va == vb)


def _same_planted(a, b):
    """True when two chunks' ``info`` agree on every field that is not empirical."""
    return all(_same_value(va, b.get(key)) for key, va in a.items() if key not in _EMPIRICAL)


def dump_zarr(
    make, store, n_samples, n_features, *, chunk_rows=262144, random_state=None, **params
):
    """Write a generator's data to a zarr store, one row chunk at a time.

    Row chunk ``i`` is ``make(rows_i, n_features, random_state=seed_i,
    direction=v, **params)``: the first chunk draws the planted direction ``v``
    (unless ``params`` gives it) and every later chunk reuses it, so the rows are
    i.i.d. draws of one planted model. At most one chunk is in memory. The seeds
    ``seed_i`` are spawned from ``random_state``, so the store differs from the
    arrays of one ``make(n_samples, ...)`` call but is the same for the same
    ``random_state`` and ``chunk_rows``.

    Parameters
    ----------
    make : callable
        A generator of :mod:`sklearn_relu.datasets` (or any function with its
        signature) that takes ``direction`` and whose planted truth is fixed by
        it, e.g. :func:`make_biased_relu_halfspace_noise`.
    store : str or path-like or zarr store
        Where to write (an existing store is overwritten).
    n_samples : int >= 1
        Number of rows.
    n_features : int >= 1
        Number of columns.
    chunk_rows : int >= 1, default=262144
        Rows per chunk, both of the generation and of the zarr arrays (2e6
        float64 entries at ``n_features=8``); dask reads one chunk per task.
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk seeds.
    **params
        Further arguments of ``make`` (``bias``, ``kappa``, ``direction``, ...).

    Returns
    -------
    info : :class:`~sklearn.utils.Bunch`
        The generator's ``info`` of the first chunk, with the empirical planted
        loss over all rows, plus ``n_samples`` and ``chunk_rows``; also stored as
        the ``info`` attribute of the store.

    Raises
    ------
    ValueError
        If ``make`` draws planted information other than the direction anew for
        each chunk (the chunks would not share one model).

    See Also
    --------
    load_zarr : Open the store as dask arrays.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_relu.datasets import (
    ...     dump_zarr, load_zarr, make_biased_relu_halfspace_noise)
    >>> path = tempfile.mkdtemp() + "/data.zarr"
    >>> info = dump_zarr(make_biased_relu_halfspace_noise, path, 5000, 4,
    ...                  chunk_rows=2000, bias=-2.0, random_state=0)
    >>> X, y, stored = load_zarr(path)
    >>> X.shape, X.chunks[0]
    ((5000, 4), (2000, 2000, 1000))
    >>> bool((stored.direction == info.direction).all())
    True
    """
    import zarr

    name = getattr(make, "__name__", "make")
    n = _check_int("n_samples", n_samples, 1, "dump_zarr")
    d = _check_int("n_features", n_features, 1, "dump_zarr")
    rows = _check_int("chunk_rows", chunk_rows, 1, "dump_zarr")
    base = int(check_random_state(random_state).randint(2**31 - 1))
    starts = range(0, n, rows)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(base).spawn(len(starts))]
    root = zarr.open_group(store, mode="w")
    Xz = root.create_array("X", shape=(n, d), chunks=(min(rows, n), d), dtype="float64")
    yz = root.create_array("y", shape=(n,), chunks=(min(rows, n),), dtype="float64")
    first, empirical = None, dict.fromkeys(_EMPIRICAL, 0.0)
    for start, seed in zip(starts, seeds, strict=True):
        stop = min(start + rows, n)
        kw = dict(params)
        if first is not None:
            kw.setdefault("direction", first.direction)
        X, y, info = make(stop - start, d, random_state=seed, **kw)
        if first is None:
            first = info
        elif not _same_planted(first, info):
            raise ValueError(
                f"dump_zarr: {name} drew different planted information for two chunks "
                "(beyond its direction); pass every random planted parameter in params, "
                "or write the data of one make(...) call with zarr directly."
            )
        Xz[start:stop] = X
        yz[start:stop] = y
        for key in empirical:
            if key in info:
                empirical[key] += float(info[key]) * (stop - start)
        del X, y
    out = Bunch(**first)
    for key, total in empirical.items():
        if key in out:
            out[key] = total / n
    out.update(n_samples=n, chunk_rows=rows)
    root.attrs["info"] = {k: _to_attr(v) for k, v in out.items()}
    root.attrs["generator"] = name
    root.attrs["params"] = {k: _to_attr(v) for k, v in params.items()}
    return out


def load_zarr(store):
    """Open a store written by :func:`dump_zarr` as dask arrays.

    Nothing is read but the attributes: ``X`` and ``y`` are lazy dask arrays with
    the store's row chunks, ready for ``fit`` on a ``dask.distributed`` cluster
    (the workers read the chunks, the client never holds ``X``).

    Parameters
    ----------
    store : str or path-like or zarr store
        A store written by :func:`dump_zarr`.

    Returns
    -------
    X : dask array of shape (n_samples, n_features)
        Inputs.
    y : dask array of shape (n_samples,)
        Labels.
    info : :class:`~sklearn.utils.Bunch`
        The planted information written beside the data.

    See Also
    --------
    dump_zarr : Write a generator's data chunk by chunk.
    """
    import dask.array as da
    import zarr

    root = zarr.open_group(store, mode="r")
    if "info" not in root.attrs or "X" not in root or "y" not in root:
        raise ValueError(
            f"load_zarr: {store!r} is not a store written by dump_zarr (needs arrays "
            "'X' and 'y' and the attribute 'info')."
        )
    info = Bunch(**{k: _from_attr(v) for k, v in root.attrs["info"].items()})
    return da.from_zarr(store, component="X"), da.from_zarr(store, component="y"), info
