"""The demo: a leaky-ReLU network on a linear teacher clusters its weights from a small
initialisation and becomes a linear classifier (Sarussi, Brutzkus & Globerson, ICML 2021).

Data: :func:`sklearn_relu.datasets.make_linear_teacher` (uniform in the unit ball, margin
0.05). :class:`~sklearn_relu.LeakyReLUTwoLayerClassifier` with the small and the large
initialisation of Sarussi et al. 2021; the table reports the clustering diagnostics on fresh test
points from the same teacher.
"""

import os
import time

import numpy as np

from ..datasets import make_linear_teacher
from ..two_layer import LeakyReLUTwoLayerClassifier
from . import warm_up

ORDER = 30
TITLE = "Leaky-ReLU network on a linear teacher: weight clustering (Sarussi et al.)"

INITS = {
    "small": dict(init_scale=0.01, learning_rate=0.5),
    "large": dict(init_scale=1.0, learning_rate=0.05),
}


def run(out="sklearn_relu_demo.png", seed=0, n_samples=1000, n_features=20, max_iter=100):
    """Fit, print the table, write the figure; returns the rows as a list of dicts."""
    X, y, info = make_linear_teacher(n_samples, n_features, margin=0.05, random_state=seed)
    Xt, yt, _ = make_linear_teacher(4000, n_features, margin=0.05, random_state=seed + 1)
    yt = np.where(Xt @ info.direction > 0, 1.0, -1.0)  # relabel by this teacher
    keep = np.abs(Xt @ info.direction) >= 0.05
    Xt, yt = Xt[keep], yt[keep]
    print(
        f"Linear teacher in the unit ball, d={n_features}, n_train={n_samples}, "
        f"margin 0.05, k=50 units per group, negative_slope=0.3, log loss, {max_iter} epochs, "
        f"seed={seed}"
    )
    print(
        "coherence = min over the two groups of the mean resultant length of the unit "
        "hidden weights;\nagreement = network vs its linear surrogate sign<S+ - S-, x> on "
        "test points / in the unit ball"
    )
    warm_up(
        lambda: LeakyReLUTwoLayerClassifier(max_iter=2, tol=None, random_state=seed).fit(
            X[:100], y[:100], teacher=info.coef
        )
    )
    header = (
        f"{'init':<6} {'train err':>9} {'test err':>8} {'coherence':>9} {'rank-2':>7} "
        f"{'agree test/ball':>15} {'certified':>9} {'cos(w*)':>7} {'NAR':>5} "
        f"{'viol':>4} {'fit s':>6}"
    )
    print(header)
    print("-" * len(header))
    rows, hists = [], {}
    for name, kw in INITS.items():
        est = LeakyReLUTwoLayerClassifier(
            max_iter=max_iter,
            tol=None,
            log_every=max(1, max_iter // 20),
            random_state=seed,
            **kw,
        )
        t0 = time.perf_counter()
        est.fit(X, y, teacher=info.coef)
        seconds = time.perf_counter() - t0
        res = est.weight_clustering(Xt, yt, teacher=info.coef, svm=False)
        row = dict(
            init=name,
            train_error=1 - est.score(X, y),
            test_error=1 - est.score(Xt, yt),
            coherence=res["coherence_min"],
            low_rank_energy=res["low_rank_energy"],
            agreement=res["agreement"],
            agreement_ball=res["agreement_ball"],
            certified=res["certified_fraction"],
            teacher_cosine=res["teacher_cosine"],
            nar_weak=res["nar_weak"],
            violations=res["violations"],
            seconds=seconds,
        )
        rows.append(row)
        hists[name] = est.history_
        print(
            f"{name:<6} {row['train_error']:9.4f} {row['test_error']:8.4f} "
            f"{row['coherence']:9.4f} {row['low_rank_energy']:7.4f} "
            f"{row['agreement']:7.4f}/{row['agreement_ball']:7.4f} {row['certified']:9.3f} "
            f"{row['teacher_cosine']:7.4f} {row['nar_weak']:5.3f} {row['violations']:4d} "
            f"{seconds:6.2f}"
        )
    print(
        "\nSmall init: two tight clusters, the agreement regime (NAR) on almost every "
        "training point, and a\nnetwork that is its linear surrogate. Large init: no "
        "clusters, yet still nearly linear\n(clustering is sufficient, not necessary). "
        "'viol' must be 0: certified points never disagree."
    )
    path = _plot(hists, out)
    print(f"\nfigure written to {os.path.abspath(path)}")
    return rows


def _plot(hists, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6))
    for name, h in hists.items():
        axes[0].plot(h["epoch"], h["coherence_min"], marker="o", ms=3, label=f"{name} init")
        axes[1].plot(h["epoch"], h["agreement"], marker="o", ms=3, label=f"{name} init")
    axes[0].set_ylabel("min group coherence")
    axes[1].set_ylabel("agreement with linear surrogate\n(training rows)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    fig.suptitle(
        "Leaky-ReLU network on a linear teacher (Sarussi, Brutzkus & Globerson)", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
