"""Sarussi, Brutzkus & Globerson (ICML 2021): on a linear teacher, SGD on a two-layer
leaky-ReLU network reaches zero training error, and from a small initialisation the
hidden weights form two clusters, which makes the network a linear classifier."""

import numpy as np

from ..datasets import load_digits_3_vs_5, make_linear_teacher
from ..two_layer import LeakyReLUTwoLayerClassifier
from ._common import Progress, figure, save, table

TITLE = ("Sarussi, Brutzkus & Globerson, Towards understanding learning in neural networks "
         "with linear teachers (ICML 2021)")
CLAIM = ("SGD optimises a two-layer leaky-ReLU network on linearly separable data; when the "
         "weights converge to two clusters the decision boundary is approximately linear, "
         "and a condition on the optimisation (small initialisation) leads to clustering.")

INITS = {"small": dict(init_scale=0.01, learning_rate=0.5),
         "large": dict(init_scale=1.0, learning_rate=0.05)}


def _teacher_test(info, d, n, seed):
    Xt, _, _ = make_linear_teacher(n, d, margin=0.05, random_state=seed)
    keep = np.abs(Xt @ info.direction) >= 0.05
    Xt = Xt[keep]
    return Xt, np.where(Xt @ info.direction > 0, 1.0, -1.0)


def run(out_dir, quick=False, seed=0):
    d, n = 20, 1000
    epochs, seeds = (30, 2) if quick else (100, 5)
    prog = Progress(2 * seeds + 2, "sbg21")
    raw, hists = [], {}
    for s in range(seed, seed + seeds):
        X, y, info = make_linear_teacher(n, d, margin=0.05, random_state=s)
        Xt, yt = _teacher_test(info, d, 4000, 10_000 + s)
        for name, kw in INITS.items():
            est = LeakyReLUTwoLayerClassifier(max_epochs=epochs, tol=None,
                                              diagnostics_every=max(1, epochs // 15),
                                              random_state=s, **kw).fit(X, y, teacher=info.coef)
            res = est.weight_clustering(Xt, yt, teacher=info.coef, svm=False)
            raw.append(dict(data="teacher d=20", init=name, seed=s,
                            train_error=1 - est.score(X, y), test_error=1 - est.score(Xt, yt),
                            coherence=res["coherence_min"], rank2=res["low_rank_energy"],
                            agreement=res["agreement"], agreement_ball=res["agreement_ball"],
                            certified=res["certified_fraction"],
                            teacher_cos=res["teacher_cosine"], violations=res["violations"]))
            if s == seed:
                hists[name] = est.history_
            prog.step(f"{name} init, seed {s}")
    # real-data proxy: digits 3 vs 5, small init
    X, y, _ = load_digits_3_vs_5()
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(y))
    cut = int(0.7 * len(y))
    tr, te = perm[:cut], perm[cut:]
    for name, kw in INITS.items():
        est = LeakyReLUTwoLayerClassifier(max_epochs=2 * epochs, tol=None, diagnostics_every=0,
                                          random_state=seed, **kw).fit(X[tr], y[tr])
        res = est.weight_clustering(X[te], y[te], svm=False)
        raw.append(dict(data="digits 3v5", init=name, seed=seed,
                        train_error=1 - est.score(X[tr], y[tr]),
                        test_error=1 - est.score(X[te], y[te]),
                        coherence=res["coherence_min"], rank2=res["low_rank_energy"],
                        agreement=res["agreement"], agreement_ball=res["agreement_ball"],
                        certified=res["certified_fraction"], teacher_cos=np.nan,
                        violations=res["violations"]))
        prog.step(f"digits, {name} init")
    rows = []
    for data in ("teacher d=20", "digits 3v5"):
        for name in INITS:
            rs = [r for r in raw if r["data"] == data and r["init"] == name]
            row = dict(data=data, init=name)
            for key in ("train_error", "test_error", "coherence", "rank2", "agreement",
                        "agreement_ball", "certified", "teacher_cos"):
                row[key] = float(np.median([r[key] for r in rs]))
            row["violations"] = int(sum(r["violations"] for r in rs))
            rows.append(row)
    print(f"\nk=50 per group, alpha=0.3, log loss; teacher: d={d}, n={n}, margin 0.05, "
          f"{epochs} epochs, {seeds} seeds (medians); digits: 70/30 split, {2 * epochs} epochs")
    table(rows, ["data", "init", "train_error", "test_error", "coherence", "rank2",
                 "agreement", "agreement_ball", "certified", "teacher_cos", "violations"],
          {k: ".4f" for k in ("train_error", "test_error", "coherence", "rank2", "agreement",
                              "agreement_ball", "certified", "teacher_cos")})
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
    summary = (f"small init: coherence {small['coherence']:.4f}, test agreement with the "
               f"linear surrogate {small['agreement']:.4f}, train error "
               f"{small['train_error']:.3f}; large init: coherence {large['coherence']:.3f}, "
               f"ball agreement {large['agreement_ball']:.3f}; certificate violations "
               f"{sum(r['violations'] for r in rows)}")
    return dict(paper="sbg21", title=TITLE, claim=CLAIM, summary=summary,
                settings=dict(d=d, n=n, epochs=epochs, seeds=seeds, k=50, alpha=0.3),
                rows=rows, runs=raw, figures=figs)
