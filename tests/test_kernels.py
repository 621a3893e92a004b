"""Every kernel against its NumPy reference (1e-10 relative), plus the kernel rules:
parallel == serial bitwise, results independent of the thread count, read-only
inputs accepted and never written.
"""

import numba
import numpy as np
import pytest

from sklearn_relu._kernels._config import BLOCK_ROWS
from sklearn_relu._kernels.single_relu import (
    GATE_ONE,
    GATE_RELU,
    loss_grad,
    relu_predict,
)
from sklearn_relu.utils import _threads, kernel_threads
from sklearn_relu.utils._testing import assert_allclose_scaled
from sklearn_relu.utils._threads import chunked_sums


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
    """Relative to each entry, or absolute below 1 (values near zero)."""
    scale = np.maximum(np.abs(desired), 1.0)
    assert np.all(np.abs(actual - desired) <= rtol * scale), np.max(
        np.abs(actual - desired) / scale
    )


# Rows per chunk in these tests: 4 kernel blocks, so that arrays of a few chunks stay
# small (real chunks hold about 2^20 entries: 51200 rows at 20 columns).
CHUNK_ROWS = 4 * BLOCK_ROWS


@pytest.fixture
def pool_on_small_inputs(monkeypatch):
    """Run the thread pool even on the small arrays of these tests, in chunks of
    :data:`CHUNK_ROWS` rows whatever the number of columns.
    """
    monkeypatch.setattr(_threads, "PARALLEL_MIN_ENTRIES", 0)
    real = _threads.chunk_rows

    def fixed_rows(n_features):
        real(n_features)  # the argument must be a column count
        assert 0 < n_features <= 64, "chunk_rows must get the number of columns of X"
        return CHUNK_ROWS

    monkeypatch.setattr(_threads, "chunk_rows", fixed_rows)


@pytest.mark.parametrize("n_features", [1, 3, 20, 100, 512, 513, 5000])
def test_chunk_rows_are_whole_blocks_of_about_chunk_entries(n_features):
    rows = _threads.chunk_rows(n_features)
    assert rows % BLOCK_ROWS == 0 and rows >= BLOCK_ROWS
    entries = rows * n_features
    # at most CHUNK_ENTRIES, short of it by less than one block (or a single block)
    assert entries <= _threads.CHUNK_ENTRIES or rows == BLOCK_ROWS
    assert entries > _threads.CHUNK_ENTRIES - BLOCK_ROWS * n_features


def _chunked(kernel):
    def run(*args):
        with kernel_threads(2):
            return chunked_sums(kernel, *args)

    return run


@pytest.mark.parametrize("n", [1, 7, BLOCK_ROWS, 3 * BLOCK_ROWS + 5, 2 * CHUNK_ROWS + 3])
@pytest.mark.parametrize("gate_mode", [GATE_RELU, GATE_ONE])
@pytest.mark.parametrize("kernel", [loss_grad, _chunked(loss_grad)], ids=["whole", "chunked"])
def test_loss_grad_matches_numpy(n, gate_mode, kernel, pool_on_small_inputs):
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
    ref = loss_grad_reference(
        X, y, sw, np.empty(0, dtype=np.int64), 1, w, b, GATE_RELU, deriv_at_zero
    )
    _assert_rel_close(out, ref)


def test_chunked_sums_are_bitwise_equal_for_every_thread_count(pool_on_small_inputs):
    """The chunk partition depends on n only: 1, 2 or 3 threads (more than the pool
    of a 2-core machine) give the same bits.
    """
    X, y, sw, fold, w, b = _problem(3 * CHUNK_ROWS + 17, 9, seed=3)
    args = (X, y, sw, fold, 2, w, b, GATE_RELU, 1.0)
    with kernel_threads(1):
        ref = chunked_sums(loss_grad, *args)
    for n_threads in range(2, numba.config.NUMBA_NUM_THREADS + 1):
        with kernel_threads(n_threads):
            np.testing.assert_array_equal(chunked_sums(loss_grad, *args), ref)
    _assert_rel_close(ref, loss_grad(*args))


def test_kernels_accept_read_only_inputs_and_do_not_write():
    X, y, sw, fold, w, b = _problem(3 * BLOCK_ROWS, 5, seed=4)
    copies = [a.copy() for a in (X, y, sw, fold, w)]
    for a in (X, y, sw, fold, w):
        a.setflags(write=False)
    out = loss_grad(X, y, sw, fold, 2, w, b, GATE_RELU, 1.0)
    pred = relu_predict(X, w, b)
    for a, c in zip((X, y, sw, fold, w), copies, strict=True):
        np.testing.assert_array_equal(a, c)
    _assert_rel_close(out, loss_grad_reference(*copies[:4], 2, copies[4], b, GATE_RELU, 1.0))
    assert_allclose_scaled(pred, np.maximum(copies[0] @ copies[4] + b, 0), rtol=1e-12)


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
    np.testing.assert_allclose(
        relu_predict(X, w, b), np.maximum(X @ w + b, 0.0), rtol=1e-12, atol=1e-14
    )


def test_kernel_threads_restores_on_exception():
    before = numba.get_num_threads()
    with pytest.raises(RuntimeError, match="boom"):
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
        out[k, K : 2 * K] = sw[m] @ S[m] ** 2
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


@pytest.mark.parametrize("n", [5, 3 * BLOCK_ROWS + 11, CHUNK_ROWS + 11])
@pytest.mark.parametrize("chunked", [True, False])
def test_scale_and_geodesic_sums_match_numpy(n, chunked, pool_on_small_inputs):
    X, y, sw, fold, w, u = _sq_problem(n, 6)
    W = np.vstack([w, u, -w])
    B = np.array([-0.3, 0.2, 0.0])
    thetas = np.array([0.4, 0.1, 0.0125])
    scale = _chunked(sq.scale_sums) if chunked else sq.scale_sums
    geo = _chunked(sq.geodesic_sums) if chunked else sq.geodesic_sums
    for f, nf in [(np.empty(0, dtype=np.int64), 1), (fold, 2)]:
        _assert_rel_close(scale(X, y, sw, f, nf, W, B), _scale_reference(X, y, sw, f, nf, W, B))
        Wt = np.cos(thetas)[:, None] * w + np.sin(thetas)[:, None] * u
        _assert_rel_close(
            geo(X, y, sw, f, nf, w, u, np.cos(thetas), np.sin(thetas), -0.5),
            _scale_reference(X, y, sw, f, nf, Wt, np.full(3, -0.5)),
        )


@pytest.mark.parametrize("n", [5, 70 * BLOCK_ROWS + 3])  # the second caps the blocks
@pytest.mark.parametrize("chunked", [True, False])
def test_thresholded_moments_match_numpy(n, chunked, pool_on_small_inputs):
    X, y, sw, fold, _, _ = _sq_problem(n, 4, seed=7)
    taus = np.sort(np.quantile(np.abs(y), [0.99, 0.9, 0.5, 0.1]))[::-1].copy()
    kern = _chunked(sq.thresholded_moments) if chunked else sq.thresholded_moments
    M, S, c = sq.bands_to_cumulative(kern(X, y, sw, fold, 0, taus))
    for j, tau in enumerate(taus):
        m = (np.abs(y) >= tau) & (fold == 0)
        _assert_rel_close(M[j], (X[m] * sw[m, None]).T @ X[m])
        _assert_rel_close(S[j], sw[m] @ X[m])
        _assert_rel_close(np.array([c[j]]), np.array([sw[m].sum()]))


@pytest.mark.parametrize("truncate", [None, 2.5])
@pytest.mark.parametrize("chunked", [True, False])
def test_reweighted_first_moment_matches_numpy(truncate, chunked, pool_on_small_inputs):
    X, y, sw, fold, w, _ = _sq_problem(CHUNK_ROWS + 3 * BLOCK_ROWS + 7, 5, seed=9)
    rho_b, btilde = 0.5 * 1.5, 0.995 * 1.5
    trunc2 = 0.0 if truncate is None else truncate**2
    kern = _chunked(sq.reweighted_first_moment) if chunked else sq.reweighted_first_moment
    out = kern(X, y, sw, fold, 1, w, rho_b, btilde, trunc2)
    xw = X @ w
    m = (xw >= btilde) & (fold == 1)
    if truncate is not None:
        m &= np.sum(X * X, axis=1) <= trunc2
    e = np.exp(rho_b * (xw - btilde))
    ref = np.concatenate(
        [
            (sw * e * y)[m] @ X[m],
            [(sw * e * y)[m].sum(), (sw * e)[m].sum(), (sw * e * e)[m].sum(), sw[m].sum()],
        ]
    )
    assert m.sum() > 20
    _assert_rel_close(out, ref)


def test_sq_kernels_chunked_are_bitwise_equal_for_every_thread_count(pool_on_small_inputs):
    X, y, sw, fold, w, u = _sq_problem(3 * CHUNK_ROWS + 5, 3, seed=2)
    cs, sn = np.cos([0.1, 0.2]), np.sin([0.1, 0.2])
    taus = np.array([2.0, 1.0, 0.1])
    calls = [
        (sq.geodesic_sums, (X, y, sw, fold, 2, w, u, cs, sn, -1.0)),
        (sq.scale_sums, (X, y, sw, fold, 2, np.vstack([w, u]), np.array([0.0, -1.0]))),
        (sq.reweighted_first_moment, (X, y, sw, fold, 0, w, 0.5, 0.3, 0.0)),
        (sq.thresholded_moments, (X, y, sw, fold, 0, taus)),
    ]
    for kernel, args in calls:
        with kernel_threads(1):
            a = chunked_sums(kernel, *args)
        with kernel_threads(2):
            b = chunked_sums(kernel, *args)
        for x1, x2 in zip(
            a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,), strict=True
        ):
            np.testing.assert_array_equal(x1, x2)


# ------------------------------------------------------------------ row content hash


def _splitmix64_reference(h):
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def row_hashes_reference(X, y, seed):
    """Plain NumPy, column by column (wrapping uint64 arithmetic)."""
    h = np.full(X.shape[0], np.uint64(seed), dtype=np.uint64)
    for col in [X[:, j] for j in range(X.shape[1])] + [y]:
        bits = np.ascontiguousarray(col + 0.0, dtype=np.float64).view(np.uint64)
        h = _splitmix64_reference(h ^ (bits + np.uint64(0x9E3779B97F4A7C15)))
    return h


@pytest.mark.parametrize("seed", [0, 2**31 - 1])
def test_row_hashes_match_numpy_bitwise(seed):
    """The fold split's row hash (NumPy below 2^22 entries, as here; the compiled
    kernel above, called directly below) must give the NumPy reference's bits (a
    changed hash would silently move rows between folds), with -0.0 hashed as 0.0 so
    that equal rows share a fold.
    """
    from sklearn_relu.utils.validation import row_hashes

    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((3000, 7)), rng.standard_normal(3000)
    X[:4], y[:2], X[10, 3], X[11, 0] = -0.0, -0.0, 1e300, -1e-310
    got = row_hashes(X, y, seed)
    np.testing.assert_array_equal(got, row_hashes_reference(X, y, seed))
    # the compiled kernel (large inputs) and the NumPy path (small ones): the same bits
    from sklearn_relu._kernels.row_hash import row_hashes as kernel

    np.testing.assert_array_equal(kernel(X, y, np.uint64(seed)), got)
    np.testing.assert_array_equal(got[:4], row_hashes(np.zeros((4, 7)), y[:4] + 0.0, seed))
    np.testing.assert_array_equal(row_hashes(np.asfortranarray(X), y, seed), got)


def test_row_hashes_numpy_blocks_match_reference():
    """The NumPy hash over several blocks of rows and a short last block."""
    from sklearn_relu._kernels.row_hash import HASH_BLOCK_ROWS
    from sklearn_relu.utils.validation import row_hashes

    rng = np.random.default_rng(4)
    n = 2 * HASH_BLOCK_ROWS + 5
    X, y = rng.standard_normal((n, 3)), rng.standard_normal(n)
    np.testing.assert_array_equal(row_hashes(X, y, 11), row_hashes_reference(X, y, 11))


@pytest.mark.parametrize(
    "n, fraction",
    # fraction * n exact (0.1 * 30), rounded above (0.28 * 25 = 7.000000000000001) or
    # below (0.29 * 100 = 28.999999999999996) an integer, and not near one
    [(30, 0.1), (25, 0.28), (50, 0.56), (100, 0.29), (90, 0.7), (1001, 0.2), (1001, 0.97)],
)
def test_split_by_selection_equals_split_by_sort(n, fraction):
    """Unit weights take the k-th smallest hash (np.partition); any other weights sort
    the hashes and cut their cumulative weight. Constant weights of 2 must cut at the
    same row, so both paths give the same fold.
    """
    from sklearn.utils import check_random_state

    from sklearn_relu.utils.validation import split_folds

    rng = np.random.default_rng(n)
    X, y = rng.standard_normal((n, 3)), rng.standard_normal(n)
    X[n // 2], y[n // 2] = X[0], y[0]  # a repeated row: its copies share a fold
    unit, _ = split_folds(X, y, np.ones(n), fraction, check_random_state(0))
    double, _ = split_folds(X, y, np.full(n, 2.0), fraction, check_random_state(0))
    np.testing.assert_array_equal(unit, double)
    assert unit[0] == unit[n // 2]
    # the rows up to the first cumulative weight >= fraction * n, as computed in
    # floating point (0.28 * 25 > 7 takes 8 rows), plus the repeated row's copy
    size = int(np.ceil(fraction * float(n)))
    assert size <= unit.sum() <= size + 1


def test_split_that_leaves_a_side_empty_raises():
    from sklearn.utils import check_random_state

    from sklearn_relu.utils.validation import split_folds

    X, y = np.zeros((2, 3)), np.zeros(2)  # two equal rows: one fold takes both
    for sw in (np.ones(2), np.full(2, 2.0)):
        with pytest.raises(ValueError, match="leaves an empty train or validation set"):
            split_folds(X, y, sw, 0.5, check_random_state(0))


# --------------------------------------------------------------------------- two-layer SGD

from sklearn_relu._kernels import two_layer as tl  # noqa: E402
from sklearn_relu._network import forward  # noqa: E402
from sklearn_relu._solvers.two_layer_sgd import LOSS_KINDS, run_sgd  # noqa: E402
from sklearn_relu.diagnostics._xor import WEIGHT_COLUMNS, xor_weight_columns  # noqa: E402

TWO_LAYER_LOSSES = ["logistic", "hinge", "softmax", "multi_hinge"]


def _sigma(Z, alpha):
    return np.where(Z > 0, Z, alpha * Z)


def _output_grad_reference(F, y, loss):
    """Per-row loss, dloss/dF and 0-1 error of the four output losses (plain NumPy)."""
    m = F.shape[0]
    if loss in ("logistic", "hinge"):
        f = F[:, 0]
        z = y * f
        if loss == "logistic":
            per = np.logaddexp(0.0, -z)
            G = (-y / (1.0 + np.exp(np.clip(z, -50, 50))))[:, None]
        else:
            per = np.maximum(0.0, 1.0 - z)
            G = np.where(z < 1, -y, 0.0)[:, None]
        err = ((f > 0) != (y > 0)).astype(float)
        return per, G, err
    c = y.astype(int)
    err = (np.argmax(F, axis=1) != c).astype(float)
    if loss == "softmax":
        P = np.exp(F - F.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        per = -np.log(P[np.arange(m), c])
        P[np.arange(m), c] -= 1.0
        return per, P, err
    Fr = F.copy()
    Fr[np.arange(m), c] = -np.inf
    rival = np.argmax(Fr, axis=1)
    slack = 1.0 + F[np.arange(m), rival] - F[np.arange(m), c]
    G = np.zeros_like(F)
    viol = slack > 0
    G[np.arange(m)[viol], rival[viol]] = 1.0
    G[np.arange(m)[viol], c[viol]] = -1.0
    return np.maximum(slack, 0.0), G, err


def sgd_reference(X, y, order, W, A, mask, train_A, alpha, loss, eta, m, n_steps):
    """The plain minibatch SGD loop of the two classifiers (every gradient at the old
    weights), with the leaky slope and the other losses; returns the weights and the
    per-step (batch loss, batch error).
    """
    W, A = W.copy(), A.copy()
    stats = []
    for t in range(n_steps):
        idx = order[t * m : (t + 1) * m]
        Xb, yb, mb = X[idx], y[idx], len(idx)
        Z = Xb @ W.T
        H = _sigma(Z, alpha)
        F = H @ A.T
        per, G, err = _output_grad_reference(F, yb, loss)
        stats.append((per.mean(), err.mean()))
        gA = G.T @ H / mb
        gW = ((G @ A) * np.where(Z > 0, 1.0, alpha)).T @ Xb / mb
        if train_A:
            A -= eta * gA * mask
        W -= eta * gW
    return W, A, np.array(stats)


def _two_layer_problem(loss, n=60, d=16, p=8, K=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if loss in ("logistic", "hinge"):
        K = 1
        y = rng.choice([-1.0, 1.0], n)
    else:
        y = rng.integers(0, K, n).astype(float)
    W = 0.3 * rng.standard_normal((p, d))
    A = 0.3 * rng.standard_normal((K, p))
    mask = (rng.random((K, p)) < 0.7).astype(float)
    return X, y, rng.permutation(n), W, A, mask


def _kernel_steps(X, y, order, W, A, mask, train_A, alpha, loss, eta, m, steps):
    """``sgd_epoch`` one step per call, so each step's batch loss and error are read."""
    stats = []
    for t in range(steps):
        tot = np.zeros(tl.N_TOTALS)
        status, done = tl.sgd_epoch(
            X, y, order[t * m : (t + 1) * m], W, A, mask, train_A, alpha, LOSS_KINDS[loss],
            eta, m, 1, tot,
        )  # fmt: skip
        assert status == tl.STATUS_OK and done == 1
        stats.append((tot[tl.TOT_LOSS] / tot[tl.TOT_ROWS], tot[tl.TOT_ERRORS] / tot[tl.TOT_ROWS]))
    return np.array(stats)


@pytest.mark.parametrize("loss", TWO_LAYER_LOSSES)
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("train_A", [True, False])
@pytest.mark.parametrize("m", [1, 10, 60])  # loops, loops, BLAS (60 * 8 * 40 >= 2^14)
def test_sgd_epoch_matches_numpy(loss, alpha, train_A, m):
    d = 40 if m == 60 else 16
    X, y, order, W, A, mask = _two_layer_problem(loss, n=120, d=d)
    steps = 2 if m == 60 else 5
    W_ref, A_ref, stats = sgd_reference(
        X, y, order, W, A, mask, train_A, alpha, loss, 0.5, m, steps
    )
    W1, A1 = W.copy(), A.copy()
    got = _kernel_steps(X, y, order, W1, A1, mask, train_A, alpha, loss, 0.5, m, steps)
    _assert_rel_close(W1, W_ref)
    _assert_rel_close(A1, A_ref)
    _assert_rel_close(got[:, 0], stats[:, 0])
    np.testing.assert_allclose(got[:, 1], stats[:, 1], rtol=1e-14)


@pytest.mark.parametrize("loss", ["logistic", "softmax"])
@pytest.mark.parametrize("m", [10, 60])
def test_sgd_step_rows_match_numpy(loss, m):
    """A run logged at every step (ReLU, both layers trained): weights and step rows."""
    d = 40 if m == 60 else 16
    X, y, order, W, A, _ = _two_layer_problem(loss, n=120, d=d)
    steps = 120 // m
    ones = np.ones_like(A)
    W_ref, A_ref, stats = sgd_reference(X, y, order, W, A, ones, True, 0.0, loss, 0.5, m, steps)
    W1, A1 = W.copy(), A.copy()
    res = run_sgd(
        X[order], y[order], W1, A1, loss=loss, eta=0.5, batch_size=m, n_epochs=1, log_every=1
    )
    _assert_rel_close(W1, W_ref)
    _assert_rel_close(A1, A_ref)
    _assert_rel_close(res.history["batch_loss"], stats[:, 0])
    np.testing.assert_allclose(res.history["batch_error"], stats[:, 1], rtol=1e-14)
    np.testing.assert_array_equal(res.history["n_seen"], m * np.arange(1, steps + 1))
    _assert_rel_close(res.loss_curve[0], stats[:, 0].mean())
    assert res.n_seen == steps * m


def test_sgd_run_short_last_batch_is_averaged_over_its_size():
    X, y, order, W, A, mask = _two_layer_problem("logistic", n=23)
    W_ref, A_ref, _ = sgd_reference(
        X, y, order, W, A, mask, True, 0.0, "logistic", 1.0, 10, 3
    )  # batches of 10, 10, 3
    W1, A1 = W.copy(), A.copy()
    run_sgd(
        X[order], y[order], W1, A1, loss="logistic", eta=1.0, batch_size=10, n_epochs=1, A_mask=mask
    )
    _assert_rel_close(W1, W_ref)
    _assert_rel_close(A1, A_ref)


@pytest.mark.parametrize("log_every, steps", [(3, [3, 6, 9, 10]), (5, [5, 10]), (20, [10])])
def test_logged_steps_across_epochs_and_the_last_step(log_every, steps):
    """Two epochs of 5 steps: rows at the multiples of log_every and at the last step; the
    weights equal those of the unlogged run.
    """
    X, y, order, W, A, _ = _two_layer_problem("logistic", n=40, d=6, p=5)
    kw = dict(loss="logistic", eta=0.5, batch_size=8, n_epochs=2)
    W1, A1, W2, A2 = W.copy(), A.copy(), W.copy(), A.copy()
    res = run_sgd(X[order], y[order], W1, A1, log_every=log_every, **kw)
    run_sgd(X[order], y[order], W2, A2, **kw)
    np.testing.assert_array_equal(res.history["step"], steps)
    np.testing.assert_array_equal(res.history["n_seen"], 8 * np.array(steps))
    np.testing.assert_array_equal(W1, W2)
    np.testing.assert_array_equal(A1, A2)


def test_sgd_history_weight_and_monitor_columns_match_numpy():
    rng = np.random.default_rng(3)
    X, y, order, W, A, _ = _two_layer_problem("logistic", n=40, d=6, p=5)
    Xm, ym = rng.standard_normal((25, 6)), rng.choice([-1.0, 1.0], 25)
    basis = np.eye(6)[[1, 4]]
    W1, A1 = W.copy(), A.copy()
    hist = run_sgd(
        X[order],
        y[order],
        W1,
        A1,
        loss="logistic",
        eta=0.5,
        batch_size=8,
        n_epochs=1,
        log_every=2,
        X_mon=Xm,
        y_mon=ym,
        diagnose=lambda W, A: xor_weight_columns(W, A, basis),
        diagnose_columns=WEIGHT_COLUMNS,
    ).history
    np.testing.assert_array_equal(hist["step"], [2, 4, 5])  # the last step is always logged
    F = (_sigma(Xm @ W1.T, 0.0) @ A1.T)[:, 0]
    per, _, err = _output_grad_reference(F[:, None], ym, "logistic")
    _assert_rel_close(hist["val_loss"][-1], per.mean())
    _assert_rel_close(hist["val_error"][-1], err.mean())
    _assert_rel_close(hist["mean_abs_output"][-1], np.abs(F).mean())
    a, wn = A1[0], np.linalg.norm(W1, axis=1)
    _assert_rel_close(hist["max_abs_a"][-1], np.abs(a).max())
    _assert_rel_close(hist["effective_mass"][-1], np.sum(np.abs(a) * wn))
    _assert_rel_close(hist["balance_drift"][-1], np.max(np.abs(a * a - wn * wn)))
    s = np.linalg.norm(W1 @ basis.T, axis=1) / wn
    for q, col in [(0.1, "sig_frac_q10"), (0.5, "sig_frac_q50"), (0.9, "sig_frac_q90")]:
        _assert_rel_close(hist[col][-1], np.quantile(s, q))
    um = (basis[0] - basis[1]) / np.sqrt(2)
    up = (basis[0] + basis[1]) / np.sqrt(2)
    proj = np.where(a > 0, W1 @ um, W1 @ up)
    _assert_rel_close(hist["aligned_frac"][-1], np.mean(np.abs(proj) > 0.9 * wn))
    pos, neg = a > 0, a < 0
    expected = [
        np.sum(a[pos] * np.maximum(W1[pos] @ um, 0)),
        np.sum(a[pos] * np.maximum(-(W1[pos] @ um), 0)),
        np.sum(-a[neg] * np.maximum(W1[neg] @ up, 0)),
        np.sum(-a[neg] * np.maximum(-(W1[neg] @ up), 0)),
    ]
    got = [hist[c][-1] for c in WEIGHT_COLUMNS[-4:]]
    _assert_rel_close(np.array(got), np.array(expected))


@pytest.mark.parametrize("n", [0, 3, 4096 + 5])  # empty, one block, two row blocks
@pytest.mark.parametrize("alpha", [0.0, 0.2, 1.0])
def test_two_layer_forward_matches_numpy(n, alpha):
    rng = np.random.default_rng(1)
    X, W, A = (
        rng.standard_normal((n, 30)),
        rng.standard_normal((9, 30)),
        rng.standard_normal((2, 9)),
    )
    _assert_rel_close(forward(X, W, A, alpha), _sigma(X @ W.T, alpha) @ A.T)


def test_sgd_epoch_stops_at_a_nonfinite_output_with_nothing_applied():
    """The step whose outputs are not finite returns STATUS_NONFINITE and its index,
    without updating the weights or the totals (the driver then raises).
    """
    X, y, order, W, A, mask = _two_layer_problem("logistic", n=40, d=6, p=4)
    X[20, 0] = np.nan  # in the third batch of 8 rows
    tot = np.zeros(tl.N_TOTALS)
    W1, A1 = W.copy(), A.copy()
    status, done = tl.sgd_epoch(
        X, y, np.arange(40), W1, A1, mask, True, 0.0, LOSS_KINDS["logistic"], 0.1, 8, 5, tot
    )
    assert (status, done) == (tl.STATUS_NONFINITE, 2)
    assert tot[tl.TOT_ROWS] == 16  # the two finite steps only
    W2, A2 = W.copy(), A.copy()  # the same two steps on clean rows
    tl.sgd_epoch(
        X, y, np.arange(16), W2, A2, mask, True, 0.0, LOSS_KINDS["logistic"], 0.1, 8, 2,
        np.zeros(tl.N_TOTALS),
    )  # fmt: skip
    np.testing.assert_array_equal(W1, W2)
    np.testing.assert_array_equal(A1, A2)


def test_sgd_run_reads_only_and_reports_divergence():
    X, y, order, W, A, _ = _two_layer_problem("logistic", n=50)
    X.setflags(write=False)
    Xc = X.copy()
    for log_every in (0, 1):  # both kernels
        run_sgd(
            X,
            y,
            W.copy(),
            A.copy(),
            loss="logistic",
            eta=0.1,
            batch_size=5,
            n_epochs=1,
            log_every=log_every,
        )
    np.testing.assert_array_equal(X, Xc)
    with pytest.raises(FloatingPointError, match="learning rate"):
        run_sgd(X, y, W.copy(), A.copy(), loss="hinge", eta=1e200, batch_size=5, n_epochs=1)
