"""
==========================================================================
A few giant steps climb a staircase: test error against log n / log d
==========================================================================

The headline figure of Dandi, Krzakala, Loureiro, Pesce & Stephan (JMLR 2024), at laptop
scale. A two-layer ReLU network ``f(x) = (1/sqrt(p)) sum_i a_i relu(<w_i, x>)`` takes
``T`` giant gradient steps on its first layer (learning rate ``eta = 2p``, second layer
frozen), each on ``n`` fresh Gaussian samples, and then fits the second layer by ridge
regression on ``n`` more samples (:class:`~sklearn_relu.GiantStepRegressor`). ``T = 0``
is the random-features model on the same read-out rows.

Two targets of :func:`~sklearn_relu.datasets.make_giant_step_target`, each depending on
two directions ``s_k = <theta_k, x>``:

* ``stair2`` = ``u/sqrt2 + u v`` with ``u, v = (s1 +- s2)/sqrt2``: the first step learns
  ``u`` (the direction of ``E[y x]``); once ``u`` is learned, ``v`` is linearly coupled to
  it, so the second step learns ``v`` -- a **staircase**. Two steps beat one.
* ``h124`` = ``[h(s1) + h(s2)]/2``: the target is even in ``v``, so no number of steps at
  ``n = O(d)`` learns ``v``; the curves for ``T = 1..4`` nearly coincide.

The dashed line is the linear-kernel error ``Var(f*) - ||E[y x]||^2``: random features
with ``n, p = O(d)`` cannot go below it. The dotted curve is one step with the
first-Hermite part of the labels removed (``remove_linear=True``) and the large-batch
learning rate ``eta = 3 p sqrt(n/d)`` (drawn for ``n >= d^1.25``): at ``n ~ d^2`` it
learns both directions of ``h124`` in a single step.

``d = 64``, ``p = 128``, ``alpha = 1``, mean and standard deviation over ``N_SEEDS``
seeds, ``4000`` test rows; the benchmark ``benchmarks/bench_giant_step.py`` runs
``d = 128``.
"""

import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_relu import GiantStepRegressor
from sklearn_relu.datasets import make_giant_step_target

N_SEEDS = 2
d, p, n_test = 64, 128, 4000
kappas = np.linspace(0.5, 2.0, 7)
steps = [0, 1, 2, 3, 4]


def test_mse(kind, n, T, seed, **params):
    """T steps on n fresh rows each, read-out on n more; test MSE on fresh rows."""
    X, y, info = make_giant_step_target(kind, (T + 1) * n, d, random_state=seed)
    Xt, yt, _ = make_giant_step_target(
        kind, n_test, d, directions=info.directions, random_state=1000 + seed
    )
    # n_jobs=1: at these sizes one thread beats two (no thread synchronisation)
    est = GiantStepRegressor(
        n_hidden=p,
        n_steps=T,
        batch_size=n,
        n_jobs=1,
        fit_intercept=False,
        random_state=seed,
        **params,
    ).fit(X, y)
    return np.mean((est.predict(Xt) - yt) ** 2), info.linear_kernel_error


t_start = time.perf_counter()
curves, lines = {}, {}
for kind in ("stair2", "h124"):
    for kappa in kappas:
        n = int(round(d**kappa))
        for T in steps:
            errs = [test_mse(kind, n, T, s)[0] for s in range(N_SEEDS)]
            curves[kind, T, kappa] = (np.mean(errs), np.std(errs))
        if kappa >= 1.25:  # the large-batch rule eta = 3 p sqrt(n/d) is for n >> d
            errs = [
                test_mse(kind, n, 1, s, remove_linear=True, lr_scaling="p_sqrt_n_over_d")[0]
                for s in range(N_SEEDS)
            ]
            curves[kind, "pre", kappa] = (np.mean(errs), np.std(errs))
    lines[kind] = test_mse(kind, d, 0, 0)[1]

# %%
# The table: test MSE per number of steps and per batch size.
for kind in ("stair2", "h124"):
    print(
        f"{kind}: test MSE (rows: log n / log d; columns: T = 0 (RF), 1..4, one step "
        "with remove_linear)"
    )
    for kappa in kappas:
        vals = [curves[kind, T, kappa][0] for T in steps]
        vals.append(curves.get((kind, "pre", kappa), (np.nan,))[0])
        print(
            f"  {kappa:4.2f}  n={int(round(d**kappa)):5d}  " + "  ".join(f"{v:.3f}" for v in vals)
        )
    print(f"  linear-kernel line: {lines[kind]:.3f}")

# %%
# The figure.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
for ax, kind in zip(axes, ("h124", "stair2"), strict=True):
    for T in steps:
        m, s = np.array([curves[kind, T, k] for k in kappas]).T
        label = "random features (T = 0)" if T == 0 else f"T = {T}"
        style = dict(color="k", ls=":", marker="s") if T == 0 else dict(marker="o")
        ax.errorbar(kappas, m, yerr=s, label=label, capsize=2, **style)
    k_pre = [k for k in kappas if (kind, "pre", k) in curves]
    m, s = np.array([curves[kind, "pre", k] for k in k_pre]).T
    ax.errorbar(
        k_pre, m, yerr=s, label="T = 1, remove_linear", color="gray", ls="-.", marker="^", capsize=2
    )
    ax.axhline(lines[kind], color="gray", ls="--", label="linear kernel")
    ax.set_title(kind)
    ax.set_xlabel("log n / log d  (n = rows per step)")
    ax.set_ylabel("test MSE")
    ax.set_ylim(0, 1.6 if kind == "stair2" else 0.8)
axes[1].legend(fontsize=8)
fig.suptitle(f"Giant steps vs random features (d = {d}, p = {p}, eta = 2p)")
fig.tight_layout()
print(f"ran in {time.perf_counter() - t_start:.1f} s")
plt.show()
