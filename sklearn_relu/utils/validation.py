"""Validation helpers shared by the estimators (one home for each check)."""

import numpy as np
from sklearn.utils.validation import _check_sample_weight


def as_weights(sample_weight, X):
    """float64 C-contiguous finite non-negative weights, not all zero (ones if None);
    scikit-learn's own checks raise the errors."""
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    return np.ascontiguousarray(sw)


def split_folds(n_samples, validation_fraction, rng):
    """Fold vector (0 = train, 1 = validation) for a random split, or an empty
    vector when ``validation_fraction`` is None (every row in fold 0)."""
    if validation_fraction is None:
        return np.empty(0, dtype=np.int64), 1
    n_val = int(round(validation_fraction * n_samples))
    if n_val < 1 or n_samples - n_val < 1:
        raise ValueError(
            f"validation_fraction={validation_fraction} leaves an empty train or validation "
            f"set with n_samples={n_samples}; use more samples or validation_fraction=None."
        )
    fold = np.zeros(n_samples, dtype=np.int64)
    fold[rng.permutation(n_samples)[:n_val]] = 1
    return fold, 2


def max_row_norm(X, extra=0.0):
    """``max_i sqrt(||x_i||^2 + extra^2)`` without overflow or underflow (the rows are
    divided by ``max |x_ij|`` before squaring), so ``1e160 * X`` is handled exactly."""
    m = max(float(np.abs(X).max(initial=0.0)), abs(float(extra)))
    if m == 0.0:
        return 0.0
    Xm = X / m
    sq = np.einsum("ij,ij->i", Xm, Xm) + (float(extra) / m) ** 2
    return float(m * np.sqrt(sq.max(initial=0.0)))


def mean_and_scale(v):
    """``(mean, standard deviation)`` of the entries of ``v`` without overflow or
    underflow (the entries are divided by ``max |v|`` first), so ``1e300 * v`` gives
    ``1e300`` times the values for ``v``."""
    v = np.asarray(v, dtype=np.float64)
    m = float(np.abs(v).max(initial=0.0))
    if m == 0.0:
        return 0.0, 0.0
    u = v / m
    mu = float(u.mean())
    return m * mu, m * float(np.sqrt(np.mean((u - mu) ** 2)))


def root_mean_square(v):
    """Root mean square of the entries of ``v`` without overflow or underflow."""
    v = np.asarray(v, dtype=np.float64)
    m = float(np.abs(v).max(initial=0.0))
    if m == 0.0:
        return 0.0
    u = v / m
    return m * float(np.sqrt(np.mean(u * u)))


SQUARE_SAFE = (1e-150, 1e150)  # magnitudes whose squares neither under- nor overflow


def check_square_safe(scale, what, name, fix):
    """Raise a ValueError naming the estimator ``name`` and the ``fix`` when a positive
    ``scale`` (e.g. :func:`root_mean_square` of X) is outside :data:`SQUARE_SAFE`, where
    products of two such values over- or underflow float64."""
    lo, hi = SQUARE_SAFE
    if scale > 0.0 and not lo <= scale <= hi:
        raise ValueError(
            f"{name}: {what} has a root-mean-square magnitude of {scale:.3g}, outside "
            f"[{lo:g}, {hi:g}] where its squares over- or underflow float64; {fix}.")
