"""Validation helpers shared by the estimators (one home for each check)."""

import math

import numpy as np
from sklearn.utils.validation import _check_sample_weight, assert_all_finite

from .._kernels.row_hash import row_hashes as _row_hash_kernel
from .._kernels.row_hash import row_hashes_numpy as _row_hash_numpy
from ._threads import blas_threads


def as_weights(sample_weight, X):
    """float64 C-contiguous finite non-negative weights, not all zero (ones if None);
    scikit-learn's own checks raise the errors.
    """
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    return np.ascontiguousarray(sw)


# Below this many entries of X the row hash runs in NumPy: at 1e5 x 20 that takes about
# 8 ms, less than loading the compiled kernel from the numba cache (0.26 s in a fresh
# process) and far less than compiling it (about 1 s on a first run). Both give the
# same bits (tested).
_HASH_KERNEL_MIN_ENTRIES = 1 << 22


def _hash_block(X, y, seed):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.size < _HASH_KERNEL_MIN_ENTRIES:
        return _row_hash_numpy(X, y, np.uint64(seed))
    return _row_hash_kernel(np.ascontiguousarray(X), np.ascontiguousarray(y), np.uint64(seed))


def row_hashes(X, y, seed):
    """64-bit hash of each row's content ``(x_i, y_i)``, salted by ``seed``.

    Equal rows get equal hashes wherever they stand, so a split by hash puts every
    copy of a repeated row on the same side. ``X`` and ``y`` may be dask arrays
    (the 1-D result is computed).
    """
    seed = np.uint64(seed)
    if hasattr(X, "map_blocks"):  # dask
        import dask.array as da

        X = X.rechunk({1: -1})
        y = da.asarray(y).rechunk((X.chunks[0],))
        return da.map_blocks(
            lambda x, t: _hash_block(x, t[:, 0], seed), X, y[:, None], drop_axis=1, dtype=np.uint64
        ).compute()
    return _hash_block(X, y, seed)


def split_folds(X, y, sample_weight, validation_fraction, rng):
    """Fold vector (0 = train, 1 = validation) for a held-out split, or an empty
    vector when ``validation_fraction`` is None (every row in fold 0).

    The split is by content: rows are ordered by a hash of ``(x_i, y_i)`` salted
    with a draw from ``rng``, and the validation fold takes the rows whose hash is at
    most the weighted ``validation_fraction``-quantile of the hashes. Repeated rows
    therefore land on the same side, and a row of integer weight ``k`` is split
    exactly as ``k`` copies of it would be, so ``sample_weight`` means repetition
    (and its overall scale means nothing) for the split too.
    """
    if validation_fraction is None:
        return np.empty(0, dtype=np.int64), 1
    n = X.shape[0]
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    h = row_hashes(X, y, rng.randint(np.iinfo(np.int32).max))
    if np.all(sw == 1.0):  # unit weights: the k-th smallest hash, no sort (same fold)
        total = float(n)
        k = max(math.ceil(validation_fraction * total) - 1, 0)  # first cumsum >= target
        k = min(k, n - 1)
        threshold = np.partition(h, k)[k] if n else 0
    else:
        order = np.argsort(h, kind="stable")
        cw = np.cumsum(sw[order])
        total = cw[-1]
        k = min(int(np.searchsorted(cw, validation_fraction * total, side="left")), n - 1)
        threshold = h[order[k]]
    fold = (h <= threshold).astype(np.int64)
    w_val = float(sw[fold == 1].sum())
    if n < 2 or not 0 < w_val < total:
        raise ValueError(
            f"validation_fraction={validation_fraction} leaves an empty train or validation "
            f"set with n_samples={n}; use more samples or validation_fraction=None."
        )
    return fold, 2


def max_row_norm(X, extra=0.0):
    """``max_i sqrt(||x_i||^2 + extra^2)`` without overflow or underflow (the rows are
    divided by ``max |x_ij|`` before squaring), so ``1e160 * X`` is handled exactly.
    """
    m = max(float(np.abs(X).max(initial=0.0)), abs(float(extra)))
    if m == 0.0:
        return 0.0
    Xm = X / m
    sq = np.einsum("ij,ij->i", Xm, Xm) + (float(extra) / m) ** 2
    return float(m * np.sqrt(sq.max(initial=0.0)))


def mean_and_scale(v):
    """``(mean, standard deviation)`` of the entries of ``v`` without overflow or
    underflow (the entries are divided by ``max |v|`` first), so ``1e300 * v`` gives
    ``1e300`` times the values for ``v``.
    """
    v = np.asarray(v, dtype=np.float64)
    m = float(np.abs(v).max(initial=0.0))
    if m == 0.0:
        return 0.0, 0.0
    u = v / m
    mu = float(u.mean())
    return m * mu, m * float(np.sqrt(np.mean((u - mu) ** 2)))


def _quiet_squares(block):
    with np.errstate(over="ignore", under="ignore"):  # extreme inputs: handled after
        return block * block


def magnitude_sums(v):
    """``(max |v_i|, sum v_i^2)`` of an array, or of a dask array in one graph (one
    read of its chunks), with no temporary of its size. A NaN or infinite entry makes
    the first NaN or infinite, so the same pass checks finiteness. An in-memory array
    is read three times (max, min, sum of squares): :func:`root_mean_square` asks for
    this only when the sum of squares alone cannot be trusted.
    """
    if hasattr(v, "map_blocks"):  # dask: one graph for both reductions
        import dask

        squares = v.map_blocks(_quiet_squares, dtype=np.float64)
        return tuple(float(t) for t in dask.compute(abs(v).max(), squares.sum()))
    v = np.asarray(v, dtype=np.float64)
    top = max(abs(float(v.max(initial=0.0))), abs(float(v.min(initial=0.0))))
    return top, _sum_of_squares(v)


def _sum_of_squares(v):
    """``sum v_i^2`` of an in-memory array in one BLAS pass, on one BLAS thread: a
    second one gains 0.2 ms at 2e6 entries when the machine is idle, but beside a busy
    process it waits for a core (a 2048 x 32 fit of GiantStepRegressor took 1.5x its
    one-thread time); and the sum then has the same bits for every thread count.
    """
    with blas_threads(1):
        return float(np.vdot(v, v))


# A finite sum of squares at least this large comes from entries whose squares neither
# overflowed nor lost anything that matters to underflow: max |v| >= 1e-100 implies it.
_TRUSTED_SUM_OF_SQUARES = 1e-200


def root_mean_square(v, sums=None):
    """Root mean square of the entries of ``v`` without overflow or underflow.

    ``sums`` is :func:`magnitude_sums` of ``v`` when the caller has it already (else
    it is computed). Only when the largest magnitude is beyond ``1e+-100`` (inputs
    about to be refused or rescaled) are the entries divided by it first, so
    ``1e300 * v`` gives ``1e300`` times the value for ``v``.
    """
    if sums is None and not hasattr(v, "map_blocks"):  # in memory: one pass if it can
        v = np.asarray(v, dtype=np.float64)
        ss = _sum_of_squares(v)
        if math.isfinite(ss) and ss >= _TRUSTED_SUM_OF_SQUARES:
            return math.sqrt(ss / v.size)
    top, ss = magnitude_sums(v) if sums is None else sums
    if top == 0.0 or not math.isfinite(top):  # zero, or a NaN or infinite entry
        return top
    if 1e-100 <= top <= 1e100:
        return float(np.sqrt(ss / v.size))
    u = v / top
    mean_sq = (u * u).mean()
    return top * float(np.sqrt(mean_sq.compute() if hasattr(mean_sq, "compute") else mean_sq))


SQUARE_SAFE = (1e-150, 1e150)  # magnitudes whose squares neither under- nor overflow


def check_square_safe(scale, what, name, fix):
    """Raise a ValueError naming the estimator ``name`` and the ``fix`` when a positive
    ``scale`` (e.g. :func:`root_mean_square` of X) is outside :data:`SQUARE_SAFE`, where
    products of two such values over- or underflow float64.
    """
    lo, hi = SQUARE_SAFE
    if scale > 0.0 and not lo <= scale <= hi:
        raise ValueError(
            f"{name}: {what} has a root-mean-square magnitude of {scale:.3g}, outside "
            f"[{lo:g}, {hi:g}] where its squares over- or underflow float64; {fix}."
        )


def check_x_scale(X, name, x_rms=None, fix=None):
    """Check that ``X`` is finite and that its squares neither over- nor underflow, in
    one read of ``X``; return its root mean square.

    The root mean square is NaN or infinite only when an entry of ``X`` is, and then
    scikit-learn's own error is raised, so a caller may validate ``X`` with
    ``ensure_all_finite=False`` and save a read. ``x_rms`` when the caller has it
    already (a dask array reduced on its chunks); ``fix`` is what a user of ``name``
    should do about an ``X`` of extreme scale (default: standardise it).
    """
    x_rms = root_mean_square(X) if x_rms is None else x_rms
    if not math.isfinite(x_rms):  # only from a NaN or infinite entry of X
        assert_all_finite(X, estimator_name=name, input_name="X")  # scikit-learn's error
    fix = f"standardise X, e.g. make_pipeline(StandardScaler(), {name}())" if fix is None else fix
    check_square_safe(x_rms, "X", name, fix)
    return x_rms


def check_magnitudes(X, y, name, x_rms=None):
    """:func:`check_x_scale` of ``X`` and :func:`check_square_safe` of the root mean
    square of ``y``, with the fix a user of ``name`` needs (``y`` is checked for
    finiteness by ``validate_data``).
    """
    check_x_scale(X, name, x_rms)
    fix = "rescale y, e.g. divide it by its standard deviation"
    check_square_safe(root_mean_square(y), "y", name, fix)
