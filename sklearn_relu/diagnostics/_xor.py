"""Feature and phase diagnostics of SGD on XOR (Glasgow, ICLR 2024)."""

import math

import numpy as np

__all__ = ["xor_feature_alignment", "xor_phase_steps"]

# the weight columns of TwoLayerXORClassifier.history_ (after the driver's step columns);
# the last eight need a feature basis and a single output
WEIGHT_COLUMNS = (
    "max_abs_a",
    "effective_mass",
    "balance_drift",
    "sig_frac_q10",
    "sig_frac_q50",
    "sig_frac_q90",
    "aligned_frac",
    "cluster_mass_uminus_pos",
    "cluster_mass_uminus_neg",
    "cluster_mass_uplus_pos",
    "cluster_mass_uplus_neg",
)


def xor_weight_columns(W, A, basis=None):
    """The weight columns of a ``history_`` row: ``W`` (p, d), ``A`` (K, p), ``basis``
    (2, d) or None (the feature columns are then NaN, as they are for K > 1).
    """
    a2 = np.einsum("ck,ck->k", A, A)
    w2 = np.einsum("kj,kj->k", W, W)
    wnorm = np.sqrt(w2)
    row = dict(
        max_abs_a=float(np.abs(A).max(initial=0.0)),
        effective_mass=float(np.sum(np.sqrt(a2) * wnorm)),
        balance_drift=float(np.abs(a2 - w2).max(initial=0.0)),
    )
    if basis is None or A.shape[0] != 1:
        row.update({c: np.nan for c in WEIGHT_COLUMNS[3:]})
        return row
    p0, p1 = W @ basis[0], W @ basis[1]
    sig = np.divide(np.sqrt(p0 * p0 + p1 * p1), wnorm, out=np.zeros_like(wnorm), where=wnorm > 0)
    r2 = 1.0 / math.sqrt(2.0)
    um, up = (p0 - p1) * r2, (p0 + p1) * r2  # <w_k, u_minus>, <w_k, u_plus>
    a = A[0]
    proj = np.where(a > 0.0, um, up)
    pos, neg = a > 0.0, a < 0.0
    q10, q50, q90 = np.quantile(sig, [0.1, 0.5, 0.9])
    row.update(
        sig_frac_q10=float(q10),
        sig_frac_q50=float(q50),
        sig_frac_q90=float(q90),
        aligned_frac=float(np.mean((wnorm > 0.0) & (np.abs(proj) > 0.9 * wnorm))),
        cluster_mass_uminus_pos=float(np.sum(a[pos] * np.maximum(um[pos], 0.0))),
        cluster_mass_uminus_neg=float(np.sum(a[pos] * np.maximum(-um[pos], 0.0))),
        cluster_mass_uplus_pos=float(np.sum(-a[neg] * np.maximum(up[neg], 0.0))),
        cluster_mass_uplus_neg=float(np.sum(-a[neg] * np.maximum(-up[neg], 0.0))),
    )
    return row


def xor_feature_alignment(hidden_weights, output_weights, feature_basis):
    """Compute the XOR feature quantities of a two-layer network (the ``history_`` columns).

    Parameters
    ----------
    hidden_weights : array-like of shape (p, d)
        First-layer weights, rows w_k.
    output_weights : array-like of shape (p,)
        Second-layer weights a_k (binary model).
    feature_basis : array-like of shape (2, d)
        Rows e_i, e_j spanning the XOR plane (``info.feature_basis`` of
        :func:`~sklearn_relu.datasets.make_xor_hypercube`), rotated when the data are.

    Returns
    -------
    alignment : dict
        ``max_abs_a``, ``effective_mass`` (sum_k abs(a_k) ||w_k||), ``balance_drift``
        (max_k abs(a_k^2 - ||w_k||^2)), ``sig_frac_q10/q50/q90`` (quantiles over k of
        the signal fraction ||B w_k|| / ||w_k||), ``aligned_frac`` (fraction of neurons
        with cosine > 0.9 to their feature, u_minus when a_k > 0 and u_plus when
        a_k < 0) and the four ``cluster_mass_*`` columns
        M(v, +-) = sum abs(a_k) relu(+-<w_k, v>) over the neurons whose sign fits v.

    Examples
    --------
    >>> from sklearn_relu.datasets import make_xor_hypercube
    >>> from sklearn_relu.diagnostics import xor_feature_alignment
    >>> _, _, info = make_xor_hypercube(4, 6, random_state=0)
    >>> al = xor_feature_alignment(info.planted.hidden_weights,
    ...                            info.planted.output_weights, info.feature_basis)
    >>> al["aligned_frac"], al["sig_frac_q50"]
    (1.0, 1.0)
    """
    W = np.ascontiguousarray(hidden_weights, dtype=np.float64)
    a = np.asarray(output_weights, dtype=np.float64).reshape(1, -1)
    basis = np.ascontiguousarray(feature_basis, dtype=np.float64)
    if W.ndim != 2 or a.shape[1] != W.shape[0]:
        raise ValueError(
            "hidden_weights must be (p, d) and output_weights (p,), got "
            f"{W.shape} and {np.shape(output_weights)}."
        )
    if basis.shape != (2, W.shape[1]):
        raise ValueError(f"feature_basis must have shape (2, {W.shape[1]}), got {basis.shape}.")
    return xor_weight_columns(W, a, basis)


def xor_phase_steps(history, output_threshold=0.1, signal_threshold=0.5):
    """Find where the two phases of SGD on XOR end, read off a ``history_``.

    Parameters
    ----------
    history : dict of 1-D arrays
        ``history_`` of a fitted :class:`~sklearn_relu.TwoLayerXORClassifier`.
    output_threshold : float, default=0.1
        The signal-finding phase ends when the mean abs(output) first reaches it
        (the network output is about 0 before: every loss derivative is about -1/2).
    signal_threshold : float, default=0.5
        Level of the median signal fraction that marks the features as found.

    Returns
    -------
    steps : dict
        ``T1_output``: first step with ``mean_abs_output`` >= ``output_threshold``
        (coordinate-free end of phase 1); ``T1_signal``: first step with
        ``sig_frac_q50`` >= ``signal_threshold`` (needs the feature columns);
        ``T_err10``, ``T_err1``: first step with monitor error <= 0.10 and <= 0.01
        (per row: ``val_error`` where a validation set was given, else ``batch_error``);
        ``n_seen`` of each as ``*_n_seen``. None when never reached.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_relu.diagnostics import xor_phase_steps
    >>> h = {"step": np.arange(1., 5.), "n_seen": np.arange(1., 5.) * 10,
    ...      "mean_abs_output": np.array([0.01, 0.05, 0.2, 1.0]),
    ...      "batch_error": np.array([0.5, 0.5, 0.05, 0.0]),
    ...      "val_error": np.full(4, np.nan), "sig_frac_q50": np.full(4, np.nan)}
    >>> xor_phase_steps(h)["T1_output"], xor_phase_steps(h)["T_err1"]
    (3, 4)
    """
    step = np.asarray(history["step"])
    seen = np.asarray(history["n_seen"])
    val = np.asarray(history["val_error"])
    # row by row: rows logged without a monitor set (e.g. partial_fit) use the batch error
    err = np.where(np.isfinite(val), val, np.asarray(history["batch_error"]))
    sig = np.asarray(history["sig_frac_q50"])
    conditions = {
        "T1_output": np.asarray(history["mean_abs_output"]) >= output_threshold,
        "T1_signal": np.where(np.isfinite(sig), sig, -np.inf) >= signal_threshold,
        "T_err10": err <= 0.10,
        "T_err1": err <= 0.01,
    }
    out = {}
    for name, hit in conditions.items():
        idx = np.flatnonzero(hit)
        out[name] = int(step[idx[0]]) if idx.size else None
        out[name + "_n_seen"] = int(seen[idx[0]]) if idx.size else None
    return out
