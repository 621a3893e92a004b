"""Multi-index targets of Dandi, Krzakala, Loureiro, Pesce & Stephan (JMLR 2024).

:func:`make_giant_step_target` draws ``X ~ N(0, I_d)`` and labels ``y = f*(Theta x) +
noise * N(0, 1)`` for a catalogue of targets that depend on ``r`` orthonormal directions
``theta_k`` through ``s_k = <theta_k, x>``. The ``info`` Bunch carries the directions and
the population statistics in closed form: mean, variance, ``||C_1||^2`` with ``C_1 =
E[y x]``, the linear-kernel error line ``Var - ||C_1||^2`` (the error floor of random
features at ``n, p = O(d)``), the subspaces learnable after ``t`` giant steps at ``n =
Theta(d)`` and the one-step sample-complexity exponents.

Hermite polynomials (probabilists'): He1 = x, He2 = x^2 - 1, He3 = x^3 - 3x,
He4 = x^4 - 6x^2 + 3, with E[He_k(z)^2] = k! for z ~ N(0, 1).
"""

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._validation import _check_int, _check_real

__all__ = ["make_giant_step_target"]

_DKLPS24 = (
    "Y. Dandi, F. Krzakala, B. Loureiro, L. Pesce, L. Stephan, How Two-Layer Neural "
    "Networks Learn, One (Giant) Step at a Time, JMLR 25(349), 2024 (arXiv:2305.18270)"
)
_FUNC = "make_giant_step_target"
_KINDS = (
    "h124",
    "stair2",
    "spike_stuck",
    "linear_pair",
    "staircase",
    "single_index",
    "hard_directions",
)
_LINKS = ("he1+he2", "he2")


def _he2(z):
    return z * z - 1.0


def _he3(z):
    return z * (z * z - 3.0)


def _he4(z):
    z2 = z * z
    return z2 * z2 - 6.0 * z2 + 3.0


def _h124(z):
    return z + 0.5 * _he2(z) + _he4(z) / 24.0


def _span(*rows):
    """Orthonormal basis (rows) of the span of the given coefficient vectors."""
    A = np.array(rows, dtype=np.float64)
    q, _ = np.linalg.qr(A.T)
    return q.T


# Each entry: (r, f(S) with S of shape (n, r), mean, variance, C1 in the theta basis,
#              learnable subspaces U_1, U_2, ... in the theta basis (list of (dim, r)),
#              one-step exponents, description). Closed forms from E[He_j He_k] = k! d_jk.
def _catalogue(kind, k, link):
    s2 = np.sqrt(2.0)
    if kind == "h124":
        var_h = 1.0 + 0.25 * 2.0 + 24.0 / 24.0**2
        return (
            2,
            lambda S: 0.5 * (_h124(S[:, 0]) + _h124(S[:, 1])),
            0.0,
            0.5 * var_h,
            np.array([0.5, 0.5]),
            [_span([1, 1])] * 3,
            [1.0, 2.0],
            "1/2 [h(s1) + h(s2)], h = He1 + He2/2 + He4/24: steps at n = O(d) learn only "
            "(theta1 + theta2)/sqrt2 (the target is even in the orthogonal coordinate); "
            "one step at n = O(d^2) with the first-Hermite part removed learns both.",
        )
    if kind == "stair2":
        return (
            2,
            lambda S: 0.5 * (S[:, 0] + S[:, 0] ** 2 + S[:, 1] - S[:, 1] ** 2),
            0.0,
            1.5,
            np.array([0.5, 0.5]),
            [_span([1, 1]), _span([1, 0], [0, 1]), _span([1, 0], [0, 1])],
            [1.0, 2.0],
            "1/2 [(s1 + s1^2) + (s2 - s2^2)] = u/sqrt2 + u v with u, v = (s1 +- s2)/sqrt2: "
            "step 1 learns u, step 2 learns v (linear in v given u).",
        )
    if kind == "spike_stuck":
        return (
            2,
            lambda S: 0.5 * (4.0 * S[:, 0] + S[:, 0] ** 2 + S[:, 1]),
            0.5,
            4.75,
            np.array([2.0, 0.5]),
            [_span([4, 1]), _span([1, 0], [0, 1]), _span([1, 0], [0, 1])],
            [1.0, 2.0],
            "1/2 [(4 s1 + s1^2) + s2]: step 1 aligns every neuron with (4 theta1 + "
            "theta2)/sqrt17; a weak u v coupling (4/17 of stair2's) lets the second "
            "direction grow slowly.",
        )
    if kind == "linear_pair":
        return (
            2,
            lambda S: 0.5 * (S[:, 0] + S[:, 1]),
            0.0,
            0.5,
            np.array([0.5, 0.5]),
            [_span([1, 1])] * 3,
            [1.0, np.inf],
            "1/2 (s1 + s2): one direction (theta1 + theta2)/sqrt2, learned in one step; "
            "the orthogonal combination is not in the target.",
        )
    if kind == "staircase":

        def f(S):
            out = np.zeros(S.shape[0])
            prod = np.ones(S.shape[0])
            for j in range(k):
                prod = prod * S[:, j]
                out += prod
            return out

        eye = np.eye(k)
        subs = [eye[: min(t, k)].copy() for t in range(1, k + 2)]
        c1 = np.zeros(k)
        c1[0] = 1.0
        return (
            k,
            f,
            0.0,
            float(k),
            c1,
            subs,
            [float(j) for j in range(1, k + 1)],
            f"s1 + s1 s2 + ... + s1...s{k}: one new direction per step at n = O(d) "
            "(asymptotically; slower at small d).",
        )
    if kind == "single_index":
        if link == "he1+he2":
            return (
                1,
                lambda S: S[:, 0] + _he2(S[:, 0]) / s2,
                0.0,
                2.0,
                np.array([1.0]),
                [np.eye(1)] * 2,
                [1.0],
                "He1(s) + He2(s)/sqrt2: information exponent 1, one step at n = O(d).",
            )
        return (
            1,
            lambda S: _he2(S[:, 0]) / s2,
            0.0,
            1.0,
            np.array([0.0]),
            [np.zeros((0, 1))] * 2,
            [2.0],
            "He2(s)/sqrt2: information exponent 2, not learned in O(1) steps at n = O(d) "
            "(asymptotically); one step needs n = O(d^2).",
        )
    # hard_directions
    return (
        3,
        lambda S: S[:, 0] + _he2(S[:, 1]) / s2 + _he3(S[:, 2]) / np.sqrt(6.0),
        0.0,
        3.0,
        np.array([1.0, 0.0, 0.0]),
        [_span([1, 0, 0])] * 4,
        [1.0, 2.0, 3.0],
        "He1(s1) + He2(s2)/sqrt2 + He3(s3)/sqrt6: one step learns s1 at n ~ d, s2 at "
        "n ~ d^2, s3 at n ~ d^3; uncoupled, so extra steps at n = O(d) do not help.",
    )


def make_giant_step_target(
    kind="stair2",
    n_samples=1000,
    n_features=64,
    *,
    n_directions=3,
    link="he1+he2",
    noise=0.0,
    directions=None,
    random_state=None,
):
    """Gaussian data with a multi-index target from the giant-step paper.

    ``X ~ N(0, I_d)``, ``s_k = <theta_k, x>`` for orthonormal ``theta_1..theta_r``, and
    ``y = f*(s) + noise * N(0, 1)`` with ``f*`` from the catalogue below (Dandi et al.,
    JMLR 2024, and its authors' notebooks):

    =================  ==================================================  =====  =========
    kind               f*                                                  Var    lin. line
    =================  ==================================================  =====  =========
    'h124'             1/2 [h(s1) + h(s2)], h = He1 + He2/2 + He4/24       0.771  0.271
    'stair2'           1/2 [(s1 + s1^2) + (s2 - s2^2)]                     1.5    1.0
    'spike_stuck'      1/2 [(4 s1 + s1^2) + s2]                            4.75   0.5
    'linear_pair'      1/2 (s1 + s2)                                       0.5    0
    'staircase'        s1 + s1 s2 + ... + s1...sk (k = n_directions)       k      k - 1
    'single_index'     He1 + He2/sqrt2 (link 'he1+he2') or He2/sqrt2       2 / 1  1 / 1
    'hard_directions'  He1(s1) + He2(s2)/sqrt2 + He3(s3)/sqrt6             3      2
    =================  ==================================================  =====  =========

    Parameters
    ----------
    kind : str, default='stair2'
        One of the targets above.
    n_samples : int, default=1000
        Number of rows, >= 1.
    n_features : int, default=64
        Dimension d, at least the number of directions r.
    n_directions : int, default=3
        The k of ``'staircase'`` (>= 1); ignored by the other kinds.
    link : {'he1+he2', 'he2'}, default='he1+he2'
        Link of ``'single_index'``; ignored by the other kinds.
    noise : float >= 0, default=0.0
        Standard deviation of the additive Gaussian label noise.
    directions : array-like of shape (r, n_features), default=None
        Target directions (orthonormalised by QR). None draws them as the QR of a
        Gaussian ``d x r`` matrix from ``random_state`` after ``X``. Pass
        ``info.directions`` of a training set to draw a test set of the same target.
    random_state : int, RandomState instance or None, default=None
        Seeds ``X``, the directions and the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Standard Gaussian inputs.
    y : ndarray of shape (n_samples,)
        Labels ``f*(Theta x) + noise``.
    info : Bunch
        ``directions`` (r, d); ``kind``; ``population_mean``, ``population_variance``
        (of ``f*``, without the noise); ``c1`` (d,) ``= E[y x]``; ``c1_norm2``
        (``||C_1||^2``); ``linear_kernel_error`` (``Var - ||C_1||^2``, the error of the
        best linear predictor, hence the level random features cannot beat at
        ``n, p = O(d)``); ``bayes_error`` (``noise^2``); ``learnable_subspaces`` (list;
        entry ``t - 1`` is an orthonormal basis ``(dim U_t, d)`` of the subspace learnable
        after ``t`` steps with ``n = Theta(d)`` fresh samples each, asymptotically: ``U_1 =
        span(C_1)``, ``U_{t+1}`` adds the directions linearly coupled to ``U_t``; the last
        entry is the limit); ``one_step_exponent`` (r,): sorted exponents ``l`` such that
        one step needs ``n = Theta(d^l)`` for the learned subspace to reach dimension
        ``k + 1`` (``inf``: never, the direction is not in the target); ``description``;
        ``reference``.

    Examples
    --------
    >>> from sklearn_relu.datasets import make_giant_step_target
    >>> X, y, info = make_giant_step_target("stair2", 500, 32, random_state=0)
    >>> X.shape, info.directions.shape, info.linear_kernel_error
    ((500, 32), (2, 32), 1.0)
    >>> [U.shape[0] for U in info.learnable_subspaces]
    [1, 2, 2]
    """
    if not isinstance(kind, str) or kind not in _KINDS:
        raise ValueError(f"{_FUNC}: kind must be one of {_KINDS}, got {kind!r}.")
    if not isinstance(link, str) or link not in _LINKS:
        raise ValueError(f"{_FUNC}: link must be one of {_LINKS}, got {link!r}.")
    n = _check_int("n_samples", n_samples, 1, _FUNC)
    k = _check_int("n_directions", n_directions, 1, _FUNC)
    noise = _check_real("noise", noise, _FUNC, low=0.0)
    r, f, mean, var, c1_coef, subs, exps, desc = _catalogue(kind, k, link)
    d = _check_int("n_features", n_features, r, _FUNC)
    rng = check_random_state(random_state)

    X = rng.standard_normal((n, d))
    if directions is None:
        q, rr = np.linalg.qr(rng.standard_normal((d, r)))
        theta = np.ascontiguousarray((q * np.sign(np.diag(rr))).T)
    else:
        from ..diagnostics._overlaps import orthonormal_directions

        try:
            theta = orthonormal_directions(directions, d)
        except ValueError as exc:
            raise ValueError(f"{_FUNC}: {exc}") from None
        if theta.shape[0] != r:
            raise ValueError(f"{_FUNC}: kind={kind!r} needs {r} directions, got {theta.shape[0]}.")
    y = f(X @ theta.T)
    if noise > 0:
        y = y + noise * rng.standard_normal(n)
    c1 = c1_coef @ theta
    c1_norm2 = float(c1_coef @ c1_coef)
    return (
        X,
        y,
        Bunch(
            directions=theta,
            kind=kind,
            population_mean=float(mean),
            population_variance=float(var),
            c1=c1,
            c1_norm2=c1_norm2,
            linear_kernel_error=float(var - c1_norm2),
            bayes_error=noise**2,
            learnable_subspaces=[np.ascontiguousarray(U @ theta) for U in subs],
            one_step_exponent=np.array(exps),
            noise=noise,
            description=desc,
            reference=_DKLPS24,
        ),
    )
