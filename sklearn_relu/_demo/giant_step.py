"""The demo: a few giant steps against random features (Dandi et al., JMLR 2024).

For the two targets of the paper's headline figure, ``stair2`` (a staircase: the second
direction is learnable once the first is) and ``h124`` (no staircase: more steps add
nothing), :class:`~sklearn_relu.GiantStepRegressor` takes T = 1, 2, 3 giant steps with
n = d^kappa fresh rows each and fits the read-out on n more rows; T = 0 is random
features on the same n read-out rows. The table gives the test MSE and the second
singular value of the neuron-direction overlap matrix (random level 1/sqrt(d)).
"""

import os
import time

import numpy as np

from ..datasets import make_giant_step_target
from ..two_layer import GiantStepRegressor
from . import warm_up

ORDER = 20
TITLE = (
    "Two-layer ReLU network: a few giant gradient steps (Dandi, Krzakala, Loureiro, Pesce, Stephan)"
)

KINDS = ("stair2", "h124")


def run(
    out="sklearn_relu_demo.png",
    seed=0,
    n_features=32,
    n_hidden=64,
    log_ratios=(1.0, 1.5, 2.0),
    steps=(0, 1, 2, 3),
    n_seeds=2,
    n_test=4000,
):
    """Fit, print the table, write the figure; returns the rows as a list of dicts."""
    d, p = n_features, n_hidden
    print(
        f"d={d}, p={n_hidden}, eta=2p, alpha=1, {n_seeds} seed(s) from {seed}; n = rows per "
        "step (and for the read-out)"
    )
    print(
        "T = 0 is random features; sv2 = 2nd singular value of the overlap matrix "
        f"(random level {1 / np.sqrt(d):.3f})"
    )
    Xw, yw, infow = make_giant_step_target(KINDS[0], 2 * d, d, random_state=seed)
    warm_up(
        lambda: GiantStepRegressor(
            n_hidden=p, n_steps=1, n_jobs=1, fit_intercept=False, random_state=seed
        ).fit(Xw, yw, directions=infow.directions)
    )
    header = (
        f"{'target':<7} {'log n/log d':>11} {'n':>6} {'T':>2} {'test MSE':>9} "
        f"{'sv2':>6} {'fit s':>6}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for kind in KINDS:
        for kappa in log_ratios:
            n = int(round(d**kappa))
            for T in steps:
                mses, svs, secs = [], [], []
                for s in range(seed, seed + n_seeds):
                    X, y, info = make_giant_step_target(kind, (T + 1) * n, d, random_state=s)
                    Xt, yt, _ = make_giant_step_target(
                        kind, n_test, d, random_state=10_000 + s, directions=info.directions
                    )
                    t0 = time.perf_counter()
                    est = GiantStepRegressor(
                        n_hidden=p,
                        n_steps=T,
                        batch_size=n,
                        n_jobs=1,
                        fit_intercept=False,
                        random_state=s,
                    )
                    est.fit(X, y, directions=info.directions)
                    secs.append(time.perf_counter() - t0)
                    mses.append(float(np.mean((est.predict(Xt) - yt) ** 2)))
                    svs.append(float(est.history_["subspace_sv"][-1, 1]))
                row = dict(
                    kind=kind,
                    log_ratio=kappa,
                    n=n,
                    T=T,
                    mse=float(np.mean(mses)),
                    mse_std=float(np.std(mses)),
                    sv2=float(np.mean(svs)),
                    seconds=float(np.sum(secs)),
                    line=info.linear_kernel_error,
                )
                rows.append(row)
                print(
                    f"{kind:<7} {kappa:11.2f} {n:6d} {T:2d} {row['mse']:9.3f} "
                    f"{row['sv2']:6.3f} {row['seconds']:6.2f}"
                )
        print(f"{kind:<7} linear-kernel line (Var - |C1|^2) = {info.linear_kernel_error:.3f}")
    print(
        "\nstair2: each extra step lowers the error and raises sv2 (the second direction "
        "is learned\nfrom step 2 on); h124: sv2 stays at the random level for every T; "
        "random features stay\nabove the linear-kernel line."
    )
    path = _plot(rows, out)
    print(f"\nfigure written to {os.path.abspath(path)}")
    return rows


def _plot(rows, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(KINDS), figsize=(9.6, 3.8))
    for ax, kind in zip(np.atleast_1d(axes), KINDS, strict=True):
        sub = [r for r in rows if r["kind"] == kind]
        for T in sorted({r["T"] for r in sub}):
            pts = [(r["log_ratio"], r["mse"]) for r in sub if r["T"] == T]
            x, m = np.array(pts).T
            ax.plot(
                x,
                m,
                marker="o",
                label="random features" if T == 0 else f"T = {T}",
                ls=":" if T == 0 else "-",
                color="k" if T == 0 else None,
            )
        ax.axhline(sub[0]["line"], color="gray", ls="--", label="linear kernel")
        ax.set_title(kind)
        ax.set_xlabel("log n / log d")
        ax.set_ylabel("test MSE")
        ax.legend(fontsize=7)
    fig.suptitle("Giant steps vs random features", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
