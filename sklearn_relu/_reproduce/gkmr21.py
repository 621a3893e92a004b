"""Goel, Klivans, Manurangsi & Reichman (ITCS 2021): properly learning a depth-2 ReLU
network costs time exponential in 1/eps and in the number of units k.
"""

import math

import numpy as np

from .._demo.proper import search_cost
from ..datasets import make_coloring_relu_instance
from ..two_layer import ProperReLUNetworkRegressor
from ._common import Progress, figure, save, table

TITLE = (
    "Goel, Klivans, Manurangsi & Reichman, Tight hardness results for training depth-2 "
    "ReLU networks (ITCS 2021)"
)
CLAIM = (
    "Proper learning of k-unit depth-2 ReLU networks takes time exponential in 1/eps "
    "(and k), and an algorithm with that dependence exists: the search cost curve is "
    "exponential by necessity."
)


def run(out_dir, quick=False, seed=0):
    spacings = (1.0, 0.5, 0.25) if quick else (1.0, 0.5, 0.25, 0.125)
    units = (1, 2)
    n_col = 2 if quick else 5
    prog = Progress(len(spacings) * len(units) + n_col, "gkmr21")
    rows = []
    for r in search_cost(units, spacings, seed, max_candidates=10**8):
        rows.append(
            dict(
                k=r["k"],
                h=r["h"],
                net_size=r["G"],
                candidates=r["candidates"],
                log2_candidates=math.log2(max(r["candidates"], 1)),
                seconds=r["seconds"],
                per_second=r["candidates"] / r["seconds"],
                train_mse=r["train_mse"],
            )
        )
        prog.step(f"k={r['k']} h={r['h']:g}")
    col = []
    for s in range(seed, seed + n_col):
        Xy, yy, _ = make_coloring_relu_instance(6, 6, 2, random_state=s)
        Xn, yn, _ = make_coloring_relu_instance(6, 6, 2, colorable=False, random_state=s)
        est = ProperReLUNetworkRegressor(
            n_hidden=2, fit_intercept=False, random_state=seed
        )  # the paper's class
        col.append(
            dict(
                seed=s,
                colorable_mse=float(est.fit(Xy, yy).train_mse_),
                triangle_mse=float(est.fit(Xn, yn).train_mse_),
            )
        )
        prog.step(f"colouring seed {s}")
    print(
        "\nTeacher: k ReLUs, d=10, inputs in a 3-dim subspace, m=200; proj_dim=3, one "
        "projection, exhaustive net of spacing h, no refinement"
    )
    table(
        rows,
        [
            "k",
            "h",
            "net_size",
            "candidates",
            "log2_candidates",
            "seconds",
            "per_second",
            "train_mse",
        ],
        {
            "h": ".3f",
            "log2_candidates": ".1f",
            "seconds": ".3f",
            "per_second": ".3g",
            "train_mse": ".3g",
        },
    )
    print("\nColouring instances (6 vertices, 6 edges, k=2): train MSE of the search")
    table(
        col,
        ["seed", "colorable_mse", "triangle_mse"],
        {"colorable_mse": ".3g", "triangle_mse": ".3g"},
    )
    plt = figure()
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    for k in units:
        r = [row for row in rows if row["k"] == k]
        ax[0].semilogy([1 / x["h"] for x in r], [x["candidates"] for x in r], "o-", label=f"k={k}")
        ax[1].semilogy([1 / x["h"] for x in r], [x["seconds"] for x in r], "o-", label=f"k={k}")
    ax[0].set(xlabel="1/h (net resolution)", ylabel="candidates scored")
    ax[1].set(xlabel="1/h", ylabel="seconds")
    for a in ax:
        a.legend()
    figs = [save(fig, out_dir, "gkmr21_cost_curve")]
    growth = {k: [x["candidates"] for x in rows if x["k"] == k] for k in units}
    summary = (
        "candidates per halving of h: "
        + "; ".join(f"k={k}: x{np.exp(np.mean(np.diff(np.log(g)))):.1f}" for k, g in growth.items())
        + f"; colouring gap: median colourable MSE "
        f"{np.median([c['colorable_mse'] for c in col]):.2g} vs triangle "
        f"{np.median([c['triangle_mse'] for c in col]):.2g}"
    )
    return dict(
        paper="gkmr21",
        title=TITLE,
        claim=CLAIM,
        summary=summary,
        settings=dict(d=10, m=200, proj_dim=3, spacings=list(spacings)),
        rows=rows,
        colouring=col,
        figures=figs,
    )
