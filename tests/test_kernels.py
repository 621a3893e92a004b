"""Every kernel against its NumPy reference (1e-10 relative), plus the kernel rules:
parallel == serial bitwise, results independent of the thread count, read-only
inputs accepted and never written."""

import numba
import numpy as np
import pytest

from sklearn_relu._kernels._config import BLOCK_ROWS
from sklearn_relu._kernels.single_relu import (
    GATE_ONE, GATE_RELU, loss_grad, loss_grad_serial, relu_predict,
)
from sklearn_relu.utils import kernel_threads


def loss_grad_reference(X, y, sw, fold, n_folds, w, b, gate_mode, deriv_at_zero):
    """Plain NumPy: two BLAS matvecs per fold."""
    d = X.shape[1]
    fold = np.zeros(len(y), dtype=np.int64) if len(fold) == 0 else fold
    z = X @ w + b
    s = np.maximum(z, 0.0)
    r = s - y
    if gate_mode == GATE_ONE:
        g = np.ones_like(z)
    else:
        g = (z > 0).astype(float) + deriv_at_zero * (z == 0)
    out = np.zeros((n_folds, d + 4))
    for k in range(n_folds):
        m = fold == k
        c = sw[m] * r[m] * g[m]
        out[k, :d] = X[m].T @ c
        out[k, d] = c.sum()
        out[k, d + 1] = 0.5 * np.sum(sw[m] * r[m] ** 2)
        out[k, d + 2] = np.sum(sw[m] * (0.5 * s[m] ** 2 - y[m] * z[m]))
        out[k, d + 3] = sw[m].sum()
    return out


def _problem(n, d, seed=0, with_ties=False):
    rng = np.random.default_rng(seed)
    if with_ties:
        # Integer data so that z == 0 exactly on many rows: the deriv_at_zero branch.
        X = rng.integers(-2, 3, size=(n, d)).astype(float)
        w = rng.integers(-1, 2, size=d).astype(float)
        b = 0.0
    else:
        X = rng.standard_normal((n, d))
        w = rng.standard_normal(d) / np.sqrt(d)
        b = -0.3
    y = np.maximum(X @ w + b, 0) + 0.1 * rng.standard_normal(n)
    sw = rng.uniform(0.5, 2.0, size=n)
    fold = (rng.random(n) < 0.25).astype(np.int64)
    return X, y, sw, fold, w, b


def _assert_rel_close(actual, desired, rtol=1e-10):
    scale = np.maximum(np.abs(desired), 1.0)
    assert np.all(np.abs(actual - desired) <= rtol * scale), np.max(np.abs(actual - desired) / scale)


@pytest.mark.parametrize("n", [1, 7, BLOCK_ROWS, 3 * BLOCK_ROWS + 5])
@pytest.mark.parametrize("gate_mode", [GATE_RELU, GATE_ONE])
@pytest.mark.parametrize("kernel", [loss_grad, loss_grad_serial])
def test_loss_grad_matches_numpy(n, gate_mode, kernel):
    X, y, sw, fold, w, b = _problem(n, 6)
    for fold_arg, n_folds in [(np.empty(0, dtype=np.int64), 1), (fold, 2)]:
        out = kernel(X, y, sw, fold_arg, n_folds, w, b, gate_mode, 1.0)
        ref = loss_grad_reference(X, y, sw, fold_arg, n_folds, w, b, gate_mode, 1.0)
        assert out.shape == (n_folds, 6 + 4)
        _assert_rel_close(out, ref)


@pytest.mark.parametrize("deriv_at_zero", [0.0, 0.5, 1.0])
def test_loss_grad_uses_deriv_at_zero_on_exact_ties(deriv_at_zero):
    X, y, sw, fold, w, b = _problem(500, 4, with_ties=True)
    assert np.sum(X @ w + b == 0) > 50  # the branch is really exercised
    out = loss_grad(X, y, sw, np.empty(0, dtype=np.int64), 1, w, b, GATE_RELU, deriv_at_zero)
    ref = loss_grad_reference(X, y, sw, np.empty(0, dtype=np.int64), 1, w, b, GATE_RELU,
                              deriv_at_zero)
    _assert_rel_close(out, ref)


def test_parallel_and_serial_are_bitwise_equal_for_every_thread_count():
    X, y, sw, fold, w, b = _problem(5 * BLOCK_ROWS + 17, 9, seed=3)
    serial = loss_grad_serial(X, y, sw, fold, 2, w, b, GATE_RELU, 1.0)
    for n_threads in range(1, numba.config.NUMBA_NUM_THREADS + 1):
        with kernel_threads(n_threads):
            par = loss_grad(X, y, sw, fold, 2, w, b, GATE_RELU, 1.0)
        np.testing.assert_array_equal(par, serial)


def test_kernels_accept_read_only_inputs_and_do_not_write():
    X, y, sw, fold, w, b = _problem(3 * BLOCK_ROWS, 5, seed=4)
    copies = [a.copy() for a in (X, y, sw, fold, w)]
    for a in (X, y, sw, fold, w):
        a.setflags(write=False)
    out = loss_grad(X, y, sw, fold, 2, w, b, GATE_RELU, 1.0)
    pred = relu_predict(X, w, b)
    for a, c in zip((X, y, sw, fold, w), copies):
        np.testing.assert_array_equal(a, c)
    _assert_rel_close(out, loss_grad_reference(*copies[:4], 2, copies[4], b, GATE_RELU, 1.0))
    np.testing.assert_allclose(pred, np.maximum(copies[0] @ copies[4] + b, 0), rtol=1e-12)


def test_nan_propagates_instead_of_being_dropped():
    X, y, sw, fold, w, b = _problem(100, 3)
    X[5, 1] = np.nan
    d = X.shape[1]
    out = loss_grad(X, y, sw, np.empty(0, dtype=np.int64), 1, w, b, GATE_RELU, 1.0)
    assert np.isnan(out[0, d + 1])  # loss
    assert np.all(np.isnan(out[0, : d + 1]))  # gradient
    assert np.isnan(relu_predict(X, w, b)[5])


@pytest.mark.parametrize("n", [1, 50, 3 * BLOCK_ROWS + 1])
def test_relu_predict_matches_numpy(n):
    X, _, _, _, w, b = _problem(n, 7, seed=5)
    np.testing.assert_allclose(relu_predict(X, w, b), np.maximum(X @ w + b, 0.0),
                               rtol=1e-12, atol=1e-14)


def test_kernel_threads_restores_on_exception():
    before = numba.get_num_threads()
    with pytest.raises(RuntimeError):
        with kernel_threads(1):
            assert numba.get_num_threads() == 1
            raise RuntimeError("boom")
    assert numba.get_num_threads() == before


# ------------------------------------------------------------- SQ query kernels

from sklearn_relu._kernels import sq_queries as sq  # noqa: E402


def _scale_reference(X, y, sw, fold, n_folds, W, B):
    fold = np.zeros(len(y), dtype=np.int64) if len(fold) == 0 else fold
    S = np.maximum(X @ W.T + B, 0.0)
    K = W.shape[0]
    out = np.zeros((n_folds, 2 * K + 2))
    for k in range(n_folds):
        m = fold == k
        out[k, :K] = (sw[m] * y[m]) @ S[m]
        out[k, K:2 * K] = sw[m] @ S[m] ** 2
        out[k, 2 * K] = sw[m] @ y[m] ** 2
        out[k, 2 * K + 1] = sw[m].sum()
    return out


def _sq_problem(n, d, seed=0):
    X, y, sw, fold, w, b = _problem(n, d, seed)
    rng = np.random.default_rng(seed + 100)
    w = w / np.linalg.norm(w)
    u = rng.standard_normal(d)
    u -= (u @ w) * w
    u /= np.linalg.norm(u)
    return X, y, sw, fold, w, u


@pytest.mark.parametrize("n", [5, 3 * BLOCK_ROWS + 11])
@pytest.mark.parametrize("parallel", [True, False])
def test_scale_and_geodesic_sums_match_numpy(n, parallel):
    X, y, sw, fold, w, u = _sq_problem(n, 6)
    W = np.vstack([w, u, -w])
    B = np.array([-0.3, 0.2, 0.0])
    thetas = np.array([0.4, 0.1, 0.0125])
    scale = sq.scale_sums if parallel else sq.scale_sums_serial
    geo = sq.geodesic_sums if parallel else sq.geodesic_sums_serial
    for f, nf in [(np.empty(0, dtype=np.int64), 1), (fold, 2)]:
        _assert_rel_close(scale(X, y, sw, f, nf, W, B), _scale_reference(X, y, sw, f, nf, W, B))
        Wt = np.cos(thetas)[:, None] * w + np.sin(thetas)[:, None] * u
        _assert_rel_close(geo(X, y, sw, f, nf, w, u, np.cos(thetas), np.sin(thetas), -0.5),
                          _scale_reference(X, y, sw, f, nf, Wt, np.full(3, -0.5)))


@pytest.mark.parametrize("n", [5, 70 * BLOCK_ROWS + 3])  # the second caps the blocks
@pytest.mark.parametrize("parallel", [True, False])
def test_thresholded_moments_match_numpy(n, parallel):
    X, y, sw, fold, _, _ = _sq_problem(n, 4, seed=7)
    taus = np.sort(np.quantile(np.abs(y), [0.99, 0.9, 0.5, 0.1]))[::-1].copy()
    kern = sq.thresholded_moments if parallel else sq.thresholded_moments_serial
    M, S, c = kern(X, y, sw, fold, 0, taus)
    for j, tau in enumerate(taus):
        m = (np.abs(y) >= tau) & (fold == 0)
        _assert_rel_close(M[j], (X[m] * sw[m, None]).T @ X[m])
        _assert_rel_close(S[j], sw[m] @ X[m])
        _assert_rel_close(np.array([c[j]]), np.array([sw[m].sum()]))


@pytest.mark.parametrize("truncate", [None, 2.5])
@pytest.mark.parametrize("parallel", [True, False])
def test_reweighted_first_moment_matches_numpy(truncate, parallel):
    X, y, sw, fold, w, _ = _sq_problem(3 * BLOCK_ROWS + 7, 5, seed=9)
    rho_b, btilde = 0.5 * 1.5, 0.995 * 1.5
    trunc2 = 0.0 if truncate is None else truncate**2
    kern = sq.reweighted_first_moment if parallel else sq.reweighted_first_moment_serial
    out = kern(X, y, sw, fold, 1, w, rho_b, btilde, trunc2)
    xw = X @ w
    m = (xw >= btilde) & (fold == 1)
    if truncate is not None:
        m &= np.sum(X * X, axis=1) <= trunc2
    e = np.exp(rho_b * (xw - btilde))
    ref = np.concatenate([(sw * e * y)[m] @ X[m],
                          [(sw * e * y)[m].sum(), (sw * e)[m].sum(), (sw * e * e)[m].sum(),
                           sw[m].sum()]])
    assert m.sum() > 20
    _assert_rel_close(out, ref)


def test_sq_kernels_parallel_equals_serial_bitwise():
    X, y, sw, fold, w, u = _sq_problem(70 * BLOCK_ROWS + 5, 3, seed=2)
    cs, sn = np.cos([0.1, 0.2]), np.sin([0.1, 0.2])
    taus = np.array([2.0, 1.0, 0.1])
    pairs = [
        (sq.geodesic_sums, sq.geodesic_sums_serial, (X, y, sw, fold, 2, w, u, cs, sn, -1.0)),
        (sq.scale_sums, sq.scale_sums_serial, (X, y, sw, fold, 2, np.vstack([w, u]),
                                               np.array([0.0, -1.0]))),
        (sq.reweighted_first_moment, sq.reweighted_first_moment_serial,
         (X, y, sw, fold, 0, w, 0.5, 0.3, 0.0)),
        (sq.thresholded_moments, sq.thresholded_moments_serial, (X, y, sw, fold, 0, taus)),
    ]
    for par, ser, args in pairs:
        a, b = par(*args), ser(*args)
        for x1, x2 in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            np.testing.assert_array_equal(x1, x2)
