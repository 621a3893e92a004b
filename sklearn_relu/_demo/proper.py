"""The demo: the cost of proper search grows exponentially with the net resolution and k.

Data: a planted network of k ReLUs on unit-sphere inputs in a 3-dimensional subspace
of R^10 (:func:`sklearn_relu.datasets.make_relu_network_teacher`), so a projection to
d' = 3 is injective on the data. :class:`sklearn_relu.ProperReLUNetworkRegressor`
enumerates every multiset of k directions of a net of spacing h (no refinement); the
table shows the candidates scored, the seconds and the training MSE, and the colouring
instances show the YES/NO gap the search sees.
"""

import time

from ..datasets import make_coloring_relu_instance, make_relu_network_teacher
from ..two_layer import ProperReLUNetworkRegressor
from . import warm_up

ORDER = 40
TITLE = "Proper depth-2 search: exponential cost in 1/h and k (Goel, Klivans, Manurangsi, Reichman)"


def search_cost(units, spacings, seed, max_candidates=10**7):
    """Yield one row per (k, h): exhaustive search of a k-unit teacher (d=10, inputs in a
    3-dim subspace, m=200) on a net of spacing h, with its cost and training MSE.
    """
    for k in units:
        X, y, _ = make_relu_network_teacher(200, 10, n_hidden=k, subspace_dim=3, random_state=seed)
        for h in spacings:
            est = ProperReLUNetworkRegressor(
                n_hidden=k,
                proj_dim=3,
                n_projections=1,
                net_resolution=h,
                refine=False,
                max_candidates=max_candidates,
                random_state=seed,
            )
            t0 = time.perf_counter()
            est.fit(X, y)
            yield dict(
                k=k,
                h=h,
                G=int(est.net_size_),
                candidates=int(est.n_candidates_evaluated_),
                seconds=time.perf_counter() - t0,
                train_mse=float(est.train_mse_),
            )


def run(out="sklearn_relu_demo.png", seed=0, small=False):
    """Fit, print the table, write the figure; returns the rows as a list of dicts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spacings = (1.0, 0.5) if small else (1.0, 0.5, 0.25, 0.125)
    units = (1, 2)
    rows = []
    header = f"{'k':>2} {'h':>6} {'G':>6} {'candidates':>11} {'seconds':>8} {'train MSE':>10}"
    print(
        f"Teacher: k ReLUs, d=10, inputs in a 3-dim subspace, m=200, seed={seed}; "
        "proj_dim=3, R=1, no refinement"
    )
    warm_up(lambda: list(search_cost(units, spacings[:1], seed)))
    print(header)
    print("-" * len(header))
    for row in search_cost(units, spacings, seed, max_candidates=10**7):
        rows.append(row)
        print(
            f"{row['k']:>2} {row['h']:6.3f} {row['G']:>6} {row['candidates']:>11,} "
            f"{row['seconds']:8.3f} {row['train_mse']:10.3g}"
        )
    print("\nColouring instances (N=6, 6 edges, k=2), default estimator, train MSE:")
    for s in range(2 if small else 3):
        Xy, yy, _ = make_coloring_relu_instance(6, 6, 2, random_state=seed + s)
        Xn, yn, _ = make_coloring_relu_instance(6, 6, 2, colorable=False, random_state=seed + s)
        est = ProperReLUNetworkRegressor(
            n_hidden=2, fit_intercept=False, random_state=seed
        )  # the paper's class
        yes, no = est.fit(Xy, yy).train_mse_, est.fit(Xn, yn).train_mse_
        print(f"  seed {seed + s}: 2-colourable {yes:9.2g}   contains a triangle {no:9.2g}")

    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    for k in units:
        r = [row for row in rows if row["k"] == k]
        inv_h = [1 / row["h"] for row in r]
        ax[0].semilogy(inv_h, [row["candidates"] for row in r], "o-", label=f"k={k}")
        ax[1].semilogy(inv_h, [row["train_mse"] + 1e-16 for row in r], "o-", label=f"k={k}")
    ax[0].set(
        xlabel="1/h (net spacing)",
        ylabel="candidates scored",
        title="cost: C(G+k-1, k), G ~ (2/h)^(d'-1)",
    )
    ax[1].set(xlabel="1/h", ylabel="train MSE", title="fit")
    for a in ax:
        a.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    print(f"figure: {out}")
    return rows
