"""Sarussi, Brutzkus & Globerson (ICML 2021): on a linear teacher, SGD on a two-layer
leaky-ReLU network reaches zero training error, and from a small initialisation the
hidden weights form two clusters, which makes the network a linear classifier.
"""

import numpy as np
from sklearn.utils import Bunch

from ..datasets import load_digits_3_vs_5, make_linear_teacher
from ..experiments import sweep
from ..two_layer import LeakyReLUTwoLayerClassifier
from ._common import figure, save, table

TITLE = (
    "Sarussi, Brutzkus & Globerson, Towards understanding learning in neural networks "
    "with linear teachers (ICML 2021)"
)
CLAIM = (
    "SGD optimises a two-layer leaky-ReLU network on linearly separable data; when the "
    "weights converge to two clusters the decision boundary is approximately linear, "
    "and a condition on the optimisation (small initialisation) leads to clustering."
)

INITS = {
    "small": dict(init_scale=0.01, learning_rate=0.5),
    "large": dict(init_scale=1.0, learning_rate=0.05),
}
CLUSTERING = {
    "coherence": "coherence_min",
    "rank2": "low_rank_energy",
    "agreement": "agreement",
    "agreement_ball": "agreement_ball",
    "certified": "certified_fraction",
    "teacher_cos": "teacher_cosine",
    "violations": "violations",
}


class _Leaky(LeakyReLUTwoLayerClassifier):
    """Records its training error after ``fit`` (the sweep's metrics see the test rows)."""

    def fit(self, X, y, **kwargs):
        super().fit(X, y, **kwargs)
        self.train_error_ = 1 - self.score(X, y)
        return self


def load_digits_split(n_samples, random_state=None):
    """Digits 3 vs 5 in a random order (the sweep cuts train and test rows); no teacher."""
    X, y, _ = load_digits_3_vs_5()
    perm = np.random.default_rng(random_state).permutation(len(y))[:n_samples]
    return X[perm], y[perm], Bunch()


def _clustering(est, X, y, info):
    """weight_clustering on the test rows, once per fitted estimator."""
    if not hasattr(est, "_clustering"):
        est._clustering = est.weight_clustering(X, y, teacher=info.get("coef"), svm=False)
    return est._clustering


def _metrics():
    def clustering_metric(key):
        def metric(est, X, y, info):
            value = _clustering(est, X, y, info)[key]
            return np.nan if value is None else float(value)

        return metric

    out = {
        "train_error": lambda est, X, y, info: float(est.train_error_),
        "test_error": lambda est, X, y, info: 1 - est.score(X, y),
    }
    out.update({name: clustering_metric(key) for name, key in CLUSTERING.items()})
    out["history"] = lambda est, X, y, info: {
        k: est.history_[k].tolist() for k in ("epoch", "coherence_min", "agreement")
    }
    return out


def spec(quick=False, seed=0):
    """Two sweeps: the linear teacher over seeds, and digits 3 vs 5 (one split), each
    with the small and the large initialisation.
    """
    epochs, seeds = (30, 2) if quick else (100, 5)
    teacher = dict(
        make=make_linear_teacher,
        data_grid={"n_features": [20], "n_samples": [1000], "margin": [0.05]},
        estimators={
            name: _Leaky(max_iter=epochs, tol=None, log_every=max(1, epochs // 15), **kw)
            for name, kw in INITS.items()
        },
        fit_params={name: lambda X, y, info: {"teacher": info.coef} for name in INITS},
        seeds=list(range(seed, seed + seeds)),
        n_test=4000,
        metrics=_metrics(),
    )
    n_digits = len(load_digits_3_vs_5()[1])
    cut = int(0.7 * n_digits)
    digits = dict(
        make=load_digits_split,
        data_grid={"n_samples": [cut]},
        estimators={
            name: _Leaky(max_iter=2 * epochs, tol=None, log_every=0, **kw)
            for name, kw in INITS.items()
        },
        seeds=[seed],
        n_test=n_digits - cut,
        metrics={k: v for k, v in _metrics().items() if k != "history"},
    )
    return {"teacher d=20": teacher, "digits 3v5": digits}


def run(out_dir, quick=False, seed=0):
    specs = spec(quick, seed)
    d = specs["teacher d=20"]["data_grid"]["n_features"][0]
    n = specs["teacher d=20"]["data_grid"]["n_samples"][0]
    epochs = specs["teacher d=20"]["estimators"]["small"].max_iter
    seeds = len(specs["teacher d=20"]["seeds"])
    raw, hists = [], {}
    for data, args in specs.items():
        for r in sweep(**args, verbose=1).records:
            raw.append(
                dict(
                    data=data,
                    init=r["estimator"],
                    seed=r["seed"],
                    **{k: r[k] for k in ["train_error", "test_error", *CLUSTERING]},
                )
            )
            if "history" in r and r["seed"] == seed:
                hists[r["estimator"]] = r["history"]
    rows = []
    for data in ("teacher d=20", "digits 3v5"):
        for name in INITS:
            rs = [r for r in raw if r["data"] == data and r["init"] == name]
            row = dict(data=data, init=name)
            for key in (
                "train_error",
                "test_error",
                "coherence",
                "rank2",
                "agreement",
                "agreement_ball",
                "certified",
                "teacher_cos",
            ):
                row[key] = float(np.median([r[key] for r in rs]))
            row["violations"] = int(sum(r["violations"] for r in rs))
            rows.append(row)
    print(
        f"\nk=50 per group, negative_slope=0.3, log loss; teacher: d={d}, n={n}, margin 0.05, "
        f"{epochs} epochs, {seeds} seeds (medians); digits: 70/30 split, {2 * epochs} epochs"
    )
    table(
        rows,
        [
            "data",
            "init",
            "train_error",
            "test_error",
            "coherence",
            "rank2",
            "agreement",
            "agreement_ball",
            "certified",
            "teacher_cos",
            "violations",
        ],
        {
            k: ".4f"
            for k in (
                "train_error",
                "test_error",
                "coherence",
                "rank2",
                "agreement",
                "agreement_ball",
                "certified",
                "teacher_cos",
            )
        },
    )
    plt = figure()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for name, h in hists.items():
        axes[0].plot(h["epoch"], h["coherence_min"], "o-", ms=3, label=f"{name} init")
        axes[1].plot(h["epoch"], h["agreement"], "o-", ms=3, label=f"{name} init")
    axes[0].set(xlabel="epoch", ylabel="min group coherence")
    axes[1].set(xlabel="epoch", ylabel="agreement with linear surrogate")
    for ax in axes:
        ax.legend()
    figs = [save(fig, out_dir, "sbg21_clustering")]
    small = rows[0]
    large = rows[1]
    summary = (
        f"small init: coherence {small['coherence']:.4f}, test agreement with the "
        f"linear surrogate {small['agreement']:.4f}, train error "
        f"{small['train_error']:.3f}; large init: coherence {large['coherence']:.3f}, "
        f"ball agreement {large['agreement_ball']:.3f}; certificate violations "
        f"{sum(r['violations'] for r in rows)}"
    )
    return dict(
        paper="sbg21",
        title=TITLE,
        claim=CLAIM,
        summary=summary,
        settings=dict(d=d, n=n, epochs=epochs, seeds=seeds, k=50, negative_slope=0.3),
        rows=rows,
        runs=raw,
        figures=figs,
    )
