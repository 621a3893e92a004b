"""
=====================================================================
The price of proper learning: exponential search cost in 1/ε and k
=====================================================================

Goel, Klivans, Manurangsi & Reichman (ITCS 2021) prove that, under their hardness
hypotheses, any *proper* learner of a single ReLU needs time exponential in 1/ε², and
give proper algorithms for depth-2 networks with bounded weights whose running time
matches that dependence. :class:`~sklearn_relu.ProperReLUNetworkRegressor` follows a
reconstruction of that upper-bound route: project to d' dimensions, enumerate a net
of directions, lift back. Here we make the cost visible: with the projected dimension
growing like d'(ε) = 2 + ⌈0.16/ε²⌉ and the net spacing h = ε, the number of
candidates grows exponentially in 1/ε², faster for k = 2 than for k = 1; at fixed
ε it grows by a factor ≈ G/(k+1) per extra unit.

The data: a planted network of k ReLUs whose inputs lie in a 3-dimensional subspace
of R^10, so every projection with d' ≥ 3 is injective on the data.
"""

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_relu import ProperReLUNetworkRegressor
from sklearn_relu._solvers.proper import n_multisets, net_size
from sklearn_relu.datasets import make_relu_network_teacher

EPS = [1 / 2, 2 / 5, 1 / 3, 1 / 4, 1 / 5]
MAX_RUN = 2_000_000  # candidates; larger searches are shown by their count only


def d_of(eps):
    return 2 + math.ceil(0.16 / eps**2 - 1e-12)


rows = []
for k in (1, 2):
    X, y, _ = make_relu_network_teacher(150, 10, n_hidden=k, subspace_dim=3, random_state=0)
    for eps in EPS:
        d, q = d_of(eps), round(2 / eps)
        count = n_multisets(net_size(d, q), k)
        row = dict(k=k, eps=eps, d=d, count=count, seconds=np.nan, mse=np.nan, theory=np.nan)
        if count <= MAX_RUN:
            est = ProperReLUNetworkRegressor(
                n_hidden=k,
                target_error=eps,
                proj_dim=d,
                n_projections=1,
                net_resolution=eps,
                refine=False,
                max_candidates=MAX_RUN,
                random_state=0,
            )
            t0 = time.perf_counter()
            est.fit(X, y)
            row.update(
                seconds=time.perf_counter() - t0,
                mse=est.train_mse_,
                theory=est.theoretical_log2_candidates_,
            )
            assert est.n_candidates_evaluated_ == count
        rows.append(row)
        print(
            f"k={k} eps={eps:.3f} d'={d} candidates={count:>13,} "
            f"seconds={row['seconds']:.3g} train MSE={row['mse']:.3g}"
        )

# %%
# Left: log2 of the candidates (and the seconds) against 1/ε²; the dashed line is the
# proof route's own count ``theoretical_log2_candidates_`` (about 10^4-10^6 bits here),
# rescaled to meet the first point, to compare shapes only. Right: fixed d' = 3, h = 1/4,
# more units.

fig, ax = plt.subplots(1, 2, figsize=(10, 4))
for k, color in ((1, "C0"), (2, "C1")):
    r = [row for row in rows if row["k"] == k]
    x = [1 / row["eps"] ** 2 for row in r]
    ax[0].plot(
        x,
        [math.log2(row["count"]) for row in r],
        "o-",
        color=color,
        label=f"k={k}: log2 candidates",
    )
    ran = [row for row in r if np.isfinite(row["seconds"])]
    ax[0].plot(
        [1 / row["eps"] ** 2 for row in ran],
        [math.log2(row["seconds"] * 1e6) for row in ran],
        "s:",
        color=color,
        label=f"k={k}: log2 microseconds",
    )
    th = [row for row in ran if np.isfinite(row["theory"])]
    scale = math.log2(th[0]["count"]) / th[0]["theory"]  # match at the first point
    ax[0].plot(
        [1 / row["eps"] ** 2 for row in th],
        [scale * row["theory"] for row in th],
        "--",
        color=color,
        alpha=0.6,
        label=f"k={k}: theory log2 (shape)",
    )
ax[0].set(xlabel="1/ε²", ylabel="log2", title="cost vs accuracy (d' = 2 + ⌈0.16/ε²⌉, h = ε)")
ax[0].legend(fontsize=7)

ks, counts, secs = [], [], []
for k in (1, 2, 3):
    X, y, _ = make_relu_network_teacher(150, 10, n_hidden=k, subspace_dim=3, random_state=0)
    est = ProperReLUNetworkRegressor(
        n_hidden=k,
        proj_dim=3,
        n_projections=1,
        net_resolution=0.25,
        refine=False,
        max_candidates=10**8,
        random_state=0,
    )
    t0 = time.perf_counter()
    est.fit(X, y)
    ks.append(k)
    counts.append(est.n_candidates_evaluated_)
    secs.append(time.perf_counter() - t0)
    print(
        f"d'=3, h=1/4, k={k}: candidates={counts[-1]:,} seconds={secs[-1]:.3g} "
        f"train MSE={est.train_mse_:.3g}"
    )
ax[1].semilogy(ks, counts, "o-", label="candidates")
ax[1].semilogy(ks, np.array(secs) * 1e6, "s:", label="microseconds")
ax[1].set(xlabel="k (hidden units)", xticks=ks, title="cost vs k (d' = 3, h = 1/4, G = 386)")
ax[1].legend()
fig.tight_layout()
plt.show()
