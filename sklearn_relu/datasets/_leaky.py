"""Linearly separable data ("a linear teacher") for
:class:`~sklearn_relu.LeakyReLUTwoLayerClassifier` (Sarussi, Brutzkus & Globerson,
ICML 2021; Brutzkus, Globerson, Malach & Shalev-Shwartz, ICLR 2018).
"""

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ..utils._sampling import uniform_ball as _uniform_ball
from ._validation import _check_int, _check_real, _unit_vector

__all__ = ["load_digits_3_vs_5", "make_linear_teacher", "make_two_balls"]

_SBG21 = (
    "R. Sarussi, A. Brutzkus, A. Globerson, Towards Understanding Learning in Neural "
    "Networks with Linear Teachers, ICML 2021 (arXiv:2101.02533)"
)

_DISTRIBUTIONS = ("ball", "sphere", "gaussian")


def _candidates(rng, m, d, distribution):
    if distribution == "ball":
        return _uniform_ball(rng, m, d)
    if distribution == "sphere":
        g = rng.standard_normal((m, d))
        return g / np.linalg.norm(g, axis=1, keepdims=True)
    g = rng.standard_normal((m, d)) / (1.5 * np.sqrt(d))
    return g[np.linalg.norm(g, axis=1) <= 1.0]


def make_linear_teacher(
    n_samples=1000,
    n_features=20,
    *,
    margin=0.05,
    distribution="ball",
    balance=True,
    random_state=None,
):
    """Linearly separable data with a planted margin: y = sign<u, x>, ||x|| <= 1.

    The data assumption of :cite:t:`SBG21` and of their predecessor (Brutzkus et al.,
    ICLR 2018): a vector ``w*`` with ``y <w*, x> >= 1`` for every row and ``||x|| <= 1``.
    A uniformly random unit direction ``u`` is drawn; candidate points come from
    ``distribution``; those in the band ``|<u, x>| < margin`` are rejected, and
    ``y = sign<u, x>``. Then ``w* = u / margin`` satisfies both conditions.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows, >= 1.
    n_features : int, default=20
        Dimension d, >= 1.
    margin : float in (0, 1), default=0.05
        Half-width of the removed band around the decision boundary.
    distribution : {'ball', 'sphere', 'gaussian'}, default='ball'
        Candidates uniform in the unit ball, uniform on the unit sphere, or
        N(0, I_d / (2.25 d)) truncated to the unit ball.
    balance : bool, default=True
        Draw until each class has its half of the rows (``ceil(n/2)`` positive).
        Otherwise the labels fall as the candidates do.
    random_state : int, RandomState instance or None, default=None
        Draws the direction, then the candidates.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Rows with ``||x|| <= 1``.
    y : ndarray of shape (n_samples,)
        Labels in {-1, +1}.
    info : Bunch
        ``coef`` (``w* = u / margin``), ``direction`` (``u``), ``margin``,
        ``distribution``, ``planted_loss`` (0: the data are separable),
        ``acceptance_rate`` (fraction of candidates kept) and ``paper``.

    Raises
    ------
    ValueError
        When the margin leaves almost no candidates (acceptance below 1e-4 in a pilot
        batch), e.g. a large margin in high dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_relu.datasets import make_linear_teacher
    >>> X, y, info = make_linear_teacher(200, 5, margin=0.1, random_state=0)
    >>> bool(np.all(y * (X @ info.coef) >= 1)), bool(np.linalg.norm(X, axis=1).max() <= 1)
    (True, True)
    """
    func = "make_linear_teacher"
    n = _check_int("n_samples", n_samples, 1, func)
    d = _check_int("n_features", n_features, 1, func)
    margin = _check_real(
        "margin", margin, func, low=0.0, low_closed=False, high=1.0, high_closed=False
    )
    if distribution not in _DISTRIBUTIONS:
        raise ValueError(
            f"{func}: distribution must be one of {_DISTRIBUTIONS}, got {distribution!r}."
        )
    if not isinstance(balance, (bool, np.bool_)):
        raise TypeError(f"{func}: balance must be a bool, got {balance!r}.")
    rng = check_random_state(random_state)
    u = _unit_vector(rng, d)
    n_pos = (n + 1) // 2 if balance else None
    pos, neg, kept = [], [], []
    n_drawn = n_accepted = 0
    batch = max(4 * n, 1024)
    while True:
        cand = _candidates(rng, batch, d, distribution)
        n_drawn += batch
        proj = cand @ u
        keep = np.abs(proj) >= margin
        n_accepted += int(keep.sum())
        if n_drawn >= 1024 and n_accepted < 1e-4 * n_drawn:
            raise ValueError(
                f"{func}: margin={margin:g} in n_features={d} leaves almost no candidate "
                f"points ({n_accepted} of {n_drawn} drawn); use a smaller margin or "
                "fewer features."
            )
        if balance:
            pos.append(cand[keep & (proj > 0)])
            neg.append(cand[keep & (proj < 0)])
            if sum(len(p) for p in pos) >= n_pos and sum(len(q) for q in neg) >= n - n_pos:
                break
        else:
            kept.append(cand[keep])
            if sum(len(k) for k in kept) >= n:
                break
        batch = min(4 * batch, 1 << 22)
    if balance:
        Xp = np.concatenate(pos)[:n_pos]
        Xn = np.concatenate(neg)[: n - n_pos]
        X = np.concatenate([Xp, Xn])
        X = X[rng.permutation(n)]
    else:
        X = np.concatenate(kept)[:n]
    y = np.where(X @ u > 0, 1.0, -1.0)
    info = Bunch(
        coef=u / margin,
        direction=u,
        margin=margin,
        distribution=distribution,
        planted_loss=0.0,
        acceptance_rate=n_accepted / n_drawn,
        paper=_SBG21,
    )
    return np.ascontiguousarray(X), y, info


def make_two_balls(n_samples=500, *, n_features=2, center=0.5, radius=0.2, random_state=None):
    """Generate two balls around ``+-center e_1``, labels +-1, separable through 0.

    A toy linear teacher for pictures of weight clustering (:cite:t:`SBG21`): half of
    the rows (``ceil(n/2)``, label +1) uniform in the ball of ``radius`` around
    ``center e_1``, the other half (label -1) around ``-center e_1``.

    Parameters
    ----------
    n_samples : int, default=500
        Number of rows, >= 1.
    n_features : int, default=2
        Dimension d, >= 1.
    center : float, default=0.5
        Distance of each ball's centre from the origin; ``center + radius <= 1``.
    radius : float, default=0.2
        Radius of each ball, in (0, center).
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Points inside the unit ball.
    y : ndarray of shape (n_samples,)
        Labels in {-1, +1}.
    info : Bunch
        ``coef`` (``e_1 / (center - radius)``, so ``y <coef, x> >= 1``), ``direction``
        (``e_1``), ``margin`` (``center - radius``), ``planted_loss`` (0), ``paper``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_relu.datasets import make_two_balls
    >>> X, y, info = make_two_balls(100, random_state=0)
    >>> bool(np.all(y * (X @ info.coef) >= 1))
    True
    """
    func = "make_two_balls"
    n = _check_int("n_samples", n_samples, 1, func)
    d = _check_int("n_features", n_features, 1, func)
    center = _check_real("center", center, func, low=0.0, low_closed=False, high=1.0)
    radius = _check_real(
        "radius",
        radius,
        func,
        low=0.0,
        low_closed=False,
        high=center,
        high_closed=False,
        why=" (the balls must not reach the origin)",
    )
    if center + radius > 1.0:
        raise ValueError(
            f"{func}: center + radius must be <= 1 (inputs in the unit ball), "
            f"got {center + radius:g}."
        )
    rng = check_random_state(random_state)
    n_pos = (n + 1) // 2
    X = radius * _uniform_ball(rng, n, d)
    y = np.ones(n)
    y[n_pos:] = -1.0
    X[:, 0] += center * y
    e1 = np.zeros(d)
    e1[0] = 1.0
    m = center - radius
    info = Bunch(coef=e1 / m, direction=e1, margin=m, planted_loss=0.0, paper=_SBG21)
    return X, y, info


def load_digits_3_vs_5():
    """Load digits 3 (label -1) against 5 (label +1) from scikit-learn's 8x8 digits.

    A small real "linear teacher" set standing in for MNIST 3-vs-5 (no download):
    365 images, every row divided by the largest row norm so ``||x|| <= 1``. A
    hard-margin linear SVM without intercept separates all of them, which
    ``info`` certifies.

    Returns
    -------
    X : ndarray of shape (365, 64)
        Pixel intensities divided by the largest row norm.
    y : ndarray of shape (365,)
        -1 for a 3, +1 for a 5.
    info : Bunch
        ``coef``: a separating direction scaled so that ``min_i y_i <coef, x_i> = 1``
        (the hard-margin linear SVM without intercept, solved in the dual);
        ``direction`` (its unit vector); ``margin`` (``1 / ||coef||``, the
        normalised margin of that direction); ``planted_loss`` (0); ``scale`` (the
        max row norm divided out); ``paper``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_relu.datasets import load_digits_3_vs_5
    >>> X, y, info = load_digits_3_vs_5()
    >>> X.shape, bool(np.all(y * (X @ info.coef) >= 1 - 1e-9))
    ((365, 64), True)
    """
    from sklearn.datasets import load_digits

    from ..diagnostics._leaky import max_margin_direction

    digits = load_digits()
    keep = (digits.target == 3) | (digits.target == 5)
    X = digits.data[keep].astype(np.float64)
    y = np.where(digits.target[keep] == 5, 1.0, -1.0)
    scale = float(np.linalg.norm(X, axis=1).max())
    X = np.ascontiguousarray(X / scale)
    w = max_margin_direction(X, y)
    z = (y * (X @ w)).min()
    if z <= 0:  # pragma: no cover - the bundled data are separable
        raise RuntimeError("digits 3 vs 5 were expected to be linearly separable")
    coef = w / z
    info = Bunch(
        coef=coef,
        direction=coef / np.linalg.norm(coef),
        margin=1.0 / float(np.linalg.norm(coef)),
        planted_loss=0.0,
        scale=scale,
        paper=_SBG21,
    )
    return X, y, info
