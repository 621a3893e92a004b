"""Instances for proper learning of depth-2 ReLU networks (Goel, Klivans, Manurangsi &
Reichman, ITCS 2021).

- :func:`make_relu_network_teacher`: a planted network of k ReLUs on unit-ball inputs,
  optionally in a low-dimensional subspace, with noise or corrupted labels.
- :func:`make_coloring_relu_instance`: graph (or hypergraph) colouring as a realizable
  k-ReLU training problem with a planted zero-loss network.
- :func:`make_dense_subgraph_relu_instance`: a planted dense subgraph as a single-ReLU
  (agnostic) training problem with the planted loss in closed form.

The last two are built **in the spirit of** the paper's reductions (hypergraph
colouring; Densest kappa-Subgraph), **not** as the paper's own reductions, whose exact
sample sets are not reproduced here; their soundness (NO instances far from every
network) is not proven.
"""

import math
from itertools import combinations

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._validation import _check_int, _check_real, _unit_vector

__all__ = [
    "make_relu_network_teacher",
    "make_coloring_relu_instance",
    "make_dense_subgraph_relu_instance",
]


def _sample_inputs(rng, n, d, input_dist):
    if input_dist == "sphere":
        X = rng.standard_normal((n, d))
        return X / np.linalg.norm(X, axis=1, keepdims=True)
    if input_dist == "ball":
        X = rng.standard_normal((n, d))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        return X * rng.uniform(size=(n, 1)) ** (1.0 / d)
    X = rng.standard_normal((n, d)) / math.sqrt(d)
    return X / max(1.0, float(np.linalg.norm(X, axis=1).max()))


def make_relu_network_teacher(
    n_samples=200,
    n_features=10,
    n_hidden=2,
    *,
    input_dist="sphere",
    subspace_dim=None,
    output_weight=1.0,
    noise=0.0,
    corrupt_fraction=0.0,
    random_state=None,
):
    """Generate data from a planted depth-2 ReLU network on unit-ball inputs.

    The teacher is ``sum_j a_j relu(<w_j, x>)`` with unit hidden rows ``w_j``.

    Parameters
    ----------
    n_samples : int >= 1, default=200
        Number of rows.
    n_features : int >= 1, default=10
        Input dimension d.
    n_hidden : int >= 1, default=2
        The number k of hidden ReLUs of the teacher.
    input_dist : {'sphere', 'ball', 'gaussian'}, default='sphere'
        Uniform on the unit sphere, uniform in the unit ball, or N(0, I/d) divided by
        the largest row norm when that exceeds 1.
    subspace_dim : int or None, default=None
        Put the inputs and the teacher in a random ``subspace_dim``-dimensional
        subspace (for projection/lifting experiments).
    output_weight : float > 0, default=1.0
        Total output weight: ``|a_j| = output_weight / n_hidden``, signs alternating
        (+, -, +, ...).
    noise : float >= 0, default=0.0
        Standard deviation of Gaussian label noise.
    corrupt_fraction : float in [0, 1], default=0.0
        Fraction of labels replaced by uniform values in ``[-Y, Y]``, ``Y`` the
        largest clean label magnitude (agnostic setting).
    random_state : int, RandomState instance or None, default=None
        Seeds the subspace, the inputs, the teacher, the noise and the corruption.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Inputs of norm at most 1.
    y : ndarray of shape (n_samples,)
        Teacher outputs, plus noise and corrupted labels when requested.
    info : Bunch
        ``coef_hidden`` (k, d) unit rows, ``coef_output`` (k,), ``clean_target``,
        ``planted_loss`` (the teacher's MSE on the returned labels) and ``subspace``
        (orthonormal basis (d, r) or None).

    Examples
    --------
    >>> from sklearn_relu.datasets import make_relu_network_teacher
    >>> X, y, info = make_relu_network_teacher(50, 4, n_hidden=2, random_state=0)
    >>> X.shape, info.coef_hidden.shape, info.planted_loss
    ((50, 4), (2, 4), 0.0)
    """
    func = "make_relu_network_teacher"
    n = _check_int("n_samples", n_samples, 1, func)
    d = _check_int("n_features", n_features, 1, func)
    k = _check_int("n_hidden", n_hidden, 1, func)
    if input_dist not in ("sphere", "ball", "gaussian"):
        raise ValueError(
            f"{func}: input_dist must be 'sphere', 'ball' or 'gaussian', got {input_dist!r}."
        )
    output_weight = _check_real("output_weight", output_weight, func, low=0.0, low_closed=False)
    noise = _check_real("noise", noise, func, low=0.0)
    corrupt_fraction = _check_real("corrupt_fraction", corrupt_fraction, func, low=0.0, high=1.0)
    rng = check_random_state(random_state)
    if subspace_dim is None:
        r, Q = d, None
    else:
        r = _check_int("subspace_dim", subspace_dim, 1, func)
        if r > d:
            raise ValueError(f"{func}: subspace_dim={r} exceeds n_features={d}.")
        Q, _ = np.linalg.qr(rng.standard_normal((d, r)))
    Xr = _sample_inputs(rng, n, r, input_dist)
    Wr = np.array([_unit_vector(rng, r) for _ in range(k)])
    X = Xr if Q is None else Xr @ Q.T
    W = Wr if Q is None else Wr @ Q.T
    a = np.array([(1.0 if j % 2 == 0 else -1.0) * output_weight / k for j in range(k)])
    clean = np.maximum(X @ W.T, 0.0) @ a
    y = clean.copy()
    if noise > 0:
        y += noise * rng.standard_normal(n)
    n_bad = int(round(corrupt_fraction * n))
    if n_bad:
        Y = float(np.max(np.abs(clean))) or 1.0
        bad = rng.choice(n, n_bad, replace=False)
        y[bad] = rng.uniform(-Y, Y, size=n_bad)
    info = Bunch(
        coef_hidden=W,
        coef_output=a,
        clean_target=clean,
        planted_loss=float(np.mean((clean - y) ** 2)),
        subspace=Q,
    )
    return np.ascontiguousarray(X), y, info


def _random_edges(rng, N, n_edges, ok, func, what):
    pairs = [(u, v) for u, v in combinations(range(N), 2) if ok(u, v)]
    if n_edges > len(pairs):
        raise ValueError(
            f"{func}: n_edges={n_edges} exceeds the {len(pairs)} available {what} pairs."
        )
    pick = rng.choice(len(pairs), n_edges, replace=False)
    return [pairs[i] for i in sorted(pick)]


def make_coloring_relu_instance(
    n_vertices=30,
    n_edges=80,
    n_colors=3,
    *,
    colorable=True,
    hypergraph=False,
    hyperedge_size=3,
    bounded=True,
    random_state=None,
):
    """Generate graph k-colouring as a realizable k-ReLU training set.

    Built in the spirit of the paper's colouring reduction, not as the paper's own
    construction.

    Coordinates ``0`` (constant) and ``1..N``. Samples: ``e0`` with label k;
    ``e0 + t e_i`` for every vertex i and t in {1, 2} with label k - 1; ``e0 + e_u +
    e_v`` for every edge with label k - 2. For a colouring c, the network with one unit
    per colour, ``w_c = e0 - sum_{c(i) = c} e_i`` and ``a_c = 1``, has zero loss iff
    c is proper on every listed edge. The t = 2 samples rule out an exact linear fit.

    ``hypergraph=True`` (k = 2, set splitting): samples ``e0 + 1_S`` with label 0 for
    every hyperedge S instead of the edges; zero loss iff every hyperedge is
    bichromatic.

    Parameters
    ----------
    n_vertices : int >= 2, default=30
        The number N of vertices.
    n_edges : int >= 1, default=80
        Edges (or hyperedges). Not colourable instances contain a (k+1)-clique (or the
        complete hypergraph on 2r - 1 vertices) among them.
    n_colors : int >= 2, default=3
        The number k of colours, which is also the number of hidden units of the
        planted network.
    colorable : bool, default=True
        True: a random colouring is planted and only bichromatic edges are drawn.
    hypergraph : bool, default=False
        Build the set-splitting instance on hyperedges instead of edges; needs
        ``n_colors=2``.
    hyperedge_size : int >= 2, default=3
        The size r of every hyperedge (used when ``hypergraph=True``).
    bounded : bool, default=True
        Divide every x and y by the largest ``||x||``; the planted loss stays 0 with
        unit hidden rows and output weights ``||w_c||`` (reported as
        ``output_weight_needed``, growing like sqrt(N/k)).
    random_state : int, RandomState instance or None, default=None
        Seeds the planted colouring and the choice of edges.

    Returns
    -------
    X : ndarray of shape (n_samples, n_vertices + 1)
        One row per sample, ``n_samples = 1 + 2 n_vertices + n_edges``.
    y : ndarray of shape (n_samples,)
        Labels k, k - 1 or k - 2 (divided by ``scale`` when ``bounded``).
    info : Bunch
        ``edges`` (list of tuples), ``coloring`` (array or None), ``coef_hidden``
        (k, N+1) unit rows and ``coef_output`` (k,) of the planted network (None when
        not colourable), ``planted_loss`` (0.0 or None), ``output_weight_needed``,
        ``scale`` (the divisor of X and y).

    Examples
    --------
    >>> from sklearn_relu.datasets import make_coloring_relu_instance
    >>> X, y, info = make_coloring_relu_instance(8, 10, 2, random_state=0)
    >>> X.shape, bool(info.planted_loss < 1e-30)
    ((27, 9), True)
    """
    func = "make_coloring_relu_instance"
    N = _check_int("n_vertices", n_vertices, 2, func)
    E = _check_int("n_edges", n_edges, 1, func)
    k = _check_int("n_colors", n_colors, 2, func)
    r = _check_int("hyperedge_size", hyperedge_size, 2, func)
    rng = check_random_state(random_state)
    if hypergraph and k != 2:
        raise ValueError(
            f"{func}: hypergraph=True is the set-splitting (k = 2) instance; got n_colors={k}."
        )
    coloring = None
    if hypergraph:
        if r > N:
            raise ValueError(f"{func}: hyperedge_size={r} exceeds n_vertices={N}.")
        if colorable:
            coloring = rng.randint(k, size=N)
            cand = [S for S in combinations(range(N), r) if len(set(coloring[list(S)])) > 1]
            if E > len(cand):
                raise ValueError(
                    f"{func}: n_edges={E} exceeds the {len(cand)} available bichromatic hyperedges."
                )
            edges = [cand[i] for i in sorted(rng.choice(len(cand), E, replace=False))]
        else:
            n_core = math.comb(2 * r - 1, r)
            if E < n_core or 2 * r - 1 > N:
                raise ValueError(
                    f"{func}: a non-2-colourable instance needs n_vertices >= "
                    f"{2 * r - 1} and n_edges >= {n_core}."
                )
            core = sorted(int(v) for v in rng.choice(N, 2 * r - 1, replace=False))
            edges = list(combinations(core, r))
            rest = [S for S in combinations(range(N), r) if S not in set(edges)]
            extra = rng.choice(len(rest), min(E - len(edges), len(rest)), replace=False)
            edges += [rest[i] for i in sorted(extra)]
    else:
        if colorable:
            coloring = rng.randint(k, size=N)
            edges = _random_edges(
                rng, N, E, lambda u, v: coloring[u] != coloring[v], func, "bichromatic"
            )
        else:
            if k + 1 > N or E < math.comb(k + 1, 2):
                raise ValueError(
                    f"{func}: a non-{k}-colourable instance needs n_vertices "
                    f">= {k + 1} and n_edges >= {math.comb(k + 1, 2)}."
                )
            core = sorted(int(v) for v in rng.choice(N, k + 1, replace=False))
            edges = list(combinations(core, 2))
            taken = set(edges)
            edges += _random_edges(
                rng, N, E - len(edges), lambda u, v: (u, v) not in taken, func, "remaining"
            )
    rows, labels = [], []
    e0 = np.zeros(N + 1)
    e0[0] = 1.0
    rows.append(e0.copy())
    labels.append(float(k))
    for i in range(N):
        for t in (1.0, 2.0):
            x = e0.copy()
            x[i + 1] = t
            rows.append(x)
            labels.append(float(k - 1))
    for S in edges:
        x = e0.copy()
        x[[v + 1 for v in S]] = 1.0
        rows.append(x)
        labels.append(float(k - 2))
    X = np.array(rows)
    y = np.array(labels)
    scale = float(np.linalg.norm(X, axis=1).max()) if bounded else 1.0
    X /= scale
    y /= scale
    W = a = None
    planted_loss = None
    needed = None
    if coloring is not None:
        W = np.tile(e0, (k, 1))
        for i in range(N):
            W[coloring[i], i + 1] = -1.0
        norms = np.linalg.norm(W, axis=1)
        W = W / norms[:, None]
        a = norms
        planted_loss = float(np.mean((np.maximum(X @ W.T, 0.0) @ a - y) ** 2))
        needed = float(norms.max())
    info = Bunch(
        edges=[tuple(int(v) for v in S) for S in edges],
        coloring=coloring,
        coef_hidden=W,
        coef_output=a,
        planted_loss=planted_loss,
        output_weight_needed=needed,
        scale=scale,
        n_colors=k,
    )
    return X, y, info


def make_dense_subgraph_relu_instance(
    n_vertices=30, subgraph_size=8, background_density=0.3, *, tau_factor=1.5, random_state=None
):
    """Generate a planted dense subgraph as a bounded single-ReLU training set.

    Built in the spirit of the paper's Densest kappa-Subgraph reduction, not as the
    paper's own construction.

    Draw G(N, p) and plant a kappa-clique S*. Every vertex pair {u, v} is a sample
    ``x = (e0 + e_u + e_v) / sqrt(3)`` (unit norm) with label +1 for an edge and -1 for a
    non-edge. The planted unit-norm ReLU ``w_S = beta 1_S / sqrt(kappa) - tau e0``,
    ``tau = tau_factor beta / sqrt(kappa)``, ``beta = (1 + tau_factor^2/kappa)^(-1/2)``
    outputs ``h = (2 - tau_factor) beta / sqrt(3 kappa)`` on pairs inside S and 0
    elsewhere, so its loss is ``1 - [e(S)(2h - h^2) - (C(kappa,2) - e(S))(2h + h^2)] /
    C(N, 2)``: within this family the best S is the densest kappa-subgraph.

    Parameters
    ----------
    n_vertices : int >= 2, default=30
        The number N of vertices.
    subgraph_size : int >= 2, default=8
        The size kappa of the planted clique.
    background_density : float in [0, 0.5], default=0.3
        Edge probability p of the background graph.
    tau_factor : float in [1, 2), default=1.5
        Threshold of the planted ReLU in units of ``beta / sqrt(kappa)``: at least 1
        silences pairs with one vertex in S*, below 2 keeps pairs inside S* active.
    random_state : int, RandomState instance or None, default=None
        Seeds the background graph and the planted set.

    Returns
    -------
    X : ndarray of shape (C(N, 2), N + 1)
        One unit-norm row per vertex pair.
    y : ndarray of shape (C(N, 2),)
        Label +1 for an edge, -1 for a non-edge.
    info : Bunch
        ``planted_set``, ``planted_coef`` (unit-norm w_S), ``planted_loss`` (closed
        form), ``planted_gain`` (1 - planted_loss, the gap an ε must resolve), ``graph``
        (boolean adjacency matrix).

    Examples
    --------
    >>> from sklearn_relu.datasets import make_dense_subgraph_relu_instance
    >>> X, y, info = make_dense_subgraph_relu_instance(10, 4, random_state=0)
    >>> X.shape, bool(info.planted_loss < 1.0)
    ((45, 11), True)
    """
    func = "make_dense_subgraph_relu_instance"
    N = _check_int("n_vertices", n_vertices, 2, func)
    kap = _check_int("subgraph_size", subgraph_size, 2, func)
    if kap > N:
        raise ValueError(f"{func}: subgraph_size={kap} exceeds n_vertices={N}.")
    p = _check_real(
        "background_density",
        background_density,
        func,
        low=0.0,
        high=0.5,
        why=" (denser backgrounds make diffuse ReLUs win)",
    )
    tf = _check_real("tau_factor", tau_factor, func, low=1.0, high=2.0, high_closed=False)
    rng = check_random_state(random_state)
    A = rng.uniform(size=(N, N)) < p
    A = np.triu(A, 1)
    A = A | A.T
    S = np.sort(rng.choice(N, kap, replace=False))
    A[np.ix_(S, S)] = True
    np.fill_diagonal(A, False)
    pairs = list(combinations(range(N), 2))
    X = np.zeros((len(pairs), N + 1))
    X[:, 0] = 1.0
    y = np.empty(len(pairs))
    for t, (u, v) in enumerate(pairs):
        X[t, u + 1] = X[t, v + 1] = 1.0
        y[t] = 1.0 if A[u, v] else -1.0
    X /= math.sqrt(3.0)
    beta = 1.0 / math.sqrt(1.0 + tf * tf / kap)
    tau = tf * beta / math.sqrt(kap)
    w = np.zeros(N + 1)
    w[0] = -tau
    w[S + 1] = beta / math.sqrt(kap)
    h = (2.0 - tf) * beta / math.sqrt(3.0 * kap)
    e_S = int(A[np.ix_(S, S)].sum() // 2)
    n_in = math.comb(kap, 2)
    loss = 1.0 - (e_S * (2 * h - h * h) - (n_in - e_S) * (2 * h + h * h)) / len(pairs)
    info = Bunch(
        planted_set=S,
        planted_coef=w,
        planted_loss=float(loss),
        planted_gain=float(1.0 - loss),
        graph=A,
    )
    return X, y, info
