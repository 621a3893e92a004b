"""Dandi, Krzakala, Loureiro, Pesce & Stephan (JMLR 2024): a few giant gradient steps on
the first layer learn the directions of a staircase target one step at a time, and learn
nothing beyond the first Hermite direction of a non-staircase target at n = O(d)."""

import numpy as np

from ..datasets import make_giant_step_target
from ..two_layer import GiantStepRegressor
from ._common import Progress, figure, save, table

TITLE = ("Dandi, Krzakala, Loureiro, Pesce & Stephan, How two-layer neural networks learn, "
         "one (giant) step at a time (JMLR 2024)")
CLAIM = ("With n = O(d) samples per step, one giant step learns only the directions linearly "
         "correlated with the target; further steps learn the rest of a staircase (stair2) "
         "but never the directions of a target without staircase (h124); random features "
         "stay above the linear-kernel error.")

KINDS = ("stair2", "h124")


def run(out_dir, quick=False, seed=0):
    if quick:
        d, p, ratios, steps, seeds = 32, 64, (1.0, 1.5, 2.0), (0, 1, 2, 3), 2
    else:
        d, p, ratios, steps, seeds = 64, 256, (1.0, 1.25, 1.5, 1.75, 2.0), (0, 1, 2, 3, 4), 3
    prog = Progress(len(KINDS) * len(ratios) * len(steps), "dklps24")
    rows, lines = [], {}
    for kind in KINDS:
        for kappa in ratios:
            n = int(round(d**kappa))
            for T in steps:
                mses, svs = [], []
                for s in range(seed, seed + seeds):
                    X, y, info = make_giant_step_target(kind, (T + 1) * n, d, random_state=s)
                    Xt, yt, _ = make_giant_step_target(kind, 4000, d, random_state=10_000 + s,
                                                       directions=info.directions)
                    est = GiantStepRegressor(n_hidden=p, n_steps=T, batch_size=n, n_jobs=1,
                                             fit_intercept=False, random_state=s)
                    est.fit(X, y, directions=info.directions)
                    mses.append(float(np.mean((est.predict(Xt) - yt) ** 2)))
                    svs.append(float(est.history_["subspace_sv"][-1, 1]))
                lines[kind] = float(info.linear_kernel_error)
                rows.append(dict(target=kind, log_n_log_d=kappa, n=n, T=T,
                                 test_mse=float(np.median(mses)), sv2=float(np.median(svs)),
                                 linear_line=lines[kind]))
                prog.step(f"{kind} n=d^{kappa:g} T={T}")
    print(f"\nd={d}, p={p}, {seeds} seed(s), medians; T=0 is random features; sv2 = second "
          f"singular value of the neuron-direction overlaps (random level {d ** -0.5:.3f})")
    table(rows, ["target", "log_n_log_d", "n", "T", "test_mse", "sv2", "linear_line"],
          {"log_n_log_d": ".2f", "test_mse": ".3f", "sv2": ".3f", "linear_line": ".3f"})
    plt = figure()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, kind in zip(axes, KINDS):
        for T in steps:
            pts = [(r["log_n_log_d"], r["test_mse"]) for r in rows
                   if r["target"] == kind and r["T"] == T]
            x, m = np.array(pts).T
            ax.plot(x, m, "o-", label="random features" if T == 0 else f"T = {T}")
        ax.axhline(lines[kind], color="k", ls="--", label="linear kernel")
        ax.set(xlabel="log n / log d", ylabel="test MSE", title=kind)
        ax.legend(fontsize=8)
    figs = [save(fig, out_dir, "dklps24_staircase")]
    top = max(ratios)

    def at(kind, T, kappa=top):
        return next(r for r in rows if r["target"] == kind and r["T"] == T
                    and r["log_n_log_d"] == kappa)

    summary = (f"stair2 at n=d^{top:g}: RF {at('stair2', 0)['test_mse']:.3f} > T=1 "
               f"{at('stair2', 1)['test_mse']:.3f} > T=2 {at('stair2', 2)['test_mse']:.3f}; "
               f"sv2 after T=1 {at('stair2', 1)['sv2']:.3f} vs T=2 {at('stair2', 2)['sv2']:.3f}; "
               f"h124 at n=d: sv2 {max(at('h124', T, min(ratios))['sv2'] for T in steps):.3f} "
               f"at most over T (random level {d ** -0.5:.3f})")
    return dict(paper="dklps24", title=TITLE, claim=CLAIM, summary=summary,
                settings=dict(d=d, p=p, seeds=seeds, ratios=list(ratios), steps=list(steps)),
                rows=rows, figures=figs)
