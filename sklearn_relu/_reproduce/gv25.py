"""Guo & Vijayaraghavan (COLT 2025): the SQ learner stays within a constant factor of the
planted loss as the bias goes negative, where gradient descent follows a decoy."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..datasets import make_biased_relu_halfspace_noise
from ..diagnostics import cosine, planted_neuron_loss
from ..metrics import half_squared_loss
from ..neuron import BiasedReLURegressorSQ, GDReLURegressor
from ._common import Progress, figure, save, table

TITLE = ("Guo & Vijayaraghavan, Agnostic learning of arbitrary ReLU activation under "
         "Gaussian marginals (COLT 2025)")
CLAIM = ("A statistical-query algorithm learns a ReLU with arbitrary bias to O(OPT) under "
         "Gaussian inputs; correlational methods such as gradient descent cannot when the "
         "bias is very negative (their Eq. 4 counterexample).")


def run(out_dir, quick=False, seed=0):
    if quick:
        d, n, n_test, biases, seeds = 10, 100_000, 50_000, (-1.0, -2.0, -2.5, -3.0), 2
    else:
        d, n, n_test, biases, seeds = 20, 500_000, 200_000, (0.0, -1.0, -2.0, -2.5, -3.0,
                                                             -3.5), 5
    learners = {"SQ": lambda s: BiasedReLURegressorSQ(random_state=s),
                "GD": lambda s: GDReLURegressor(solver="adam")}
    prog = Progress(len(biases) * seeds, "gv25")
    raw = []
    for b in biases:
        for s in range(seed, seed + seeds):
            X, y, info = make_biased_relu_halfspace_noise(n, d, bias=b, random_state=s)
            Xt, yt, _ = make_biased_relu_halfspace_noise(n_test, d, bias=b,
                                                         direction=info.direction,
                                                         random_state=10_000 + s)
            planted = planted_neuron_loss(Xt, yt, info)
            row = dict(bias=b, seed=s, zero=half_squared_loss(yt, 0 * yt) / planted)
            for name, make in learners.items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    est = make(s).fit(X, y)
                row[name] = half_squared_loss(yt, est.predict(Xt)) / planted
                row[name + "_cos"] = cosine(est.coef_, info.direction)
            raw.append(row)
            prog.step(f"b={b:g} seed={s}")
    rows = []
    for b in biases:
        rs = [r for r in raw if r["bias"] == b]
        rows.append(dict(bias=b, SQ=float(np.median([r["SQ"] for r in rs])),
                         SQ_cos=float(np.median([r["SQ_cos"] for r in rs])),
                         GD=float(np.median([r["GD"] for r in rs])),
                         GD_cos=float(np.median([r["GD_cos"] for r in rs])),
                         zero=float(np.median([r["zero"] for r in rs]))))
    print(f"\nHalf-space noise (kappa=2), d={d}, n={n}, {seeds} seeds: medians of test loss /"
          " planted loss [cos(w, v)]")
    table(rows, ["bias", "SQ", "SQ_cos", "GD", "GD_cos", "zero"],
          {"bias": ".1f", "SQ": ".3f", "SQ_cos": "+.3f", "GD": ".3f", "GD_cos": "+.3f",
           "zero": ".3f"})
    plt = figure()
    fig, ax = plt.subplots(figsize=(6, 4))
    bs = [r["bias"] for r in rows]
    for key, style in [("SQ", "o-"), ("GD", "s-"), ("zero", "k--")]:
        ax.plot(bs, [r[key] for r in rows], style, label={"zero": "zero function"}.get(key, key))
    ax.set_yscale("log")
    ax.axhline(1, color="gray", lw=0.5)
    ax.set_xlabel("bias b")
    ax.set_ylabel("test loss / planted loss (median)")
    ax.set_title("SQ learner vs gradient descent")
    ax.legend()
    figs = [save(fig, out_dir, "gv25_bias_sweep")]
    worst_b = min(biases)
    last = rows[-1]
    summary = (f"at b={worst_b:g}: SQ ratio {last['SQ']:.2f} (cos {last['SQ_cos']:+.3f}) vs GD "
               f"{last['GD']:.2f} (cos {last['GD_cos']:+.3f}); zero function {last['zero']:.2f}")
    return dict(paper="gv25", title=TITLE, claim=CLAIM, summary=summary,
                settings=dict(d=d, n=n, n_test=n_test, seeds=seeds, kappa=2),
                rows=rows, runs=raw, figures=figs)
