"""Dandi, Krzakala, Loureiro, Pesce & Stephan (JMLR 2024): a few giant gradient steps on
the first layer learn the directions of a staircase target one step at a time, and learn
nothing beyond the first Hermite direction of a non-staircase target at n = O(d).
"""

import numpy as np

from ..datasets import make_giant_step_target
from ..diagnostics import subspace_overlaps
from ..experiments import FromData, sweep
from ..two_layer import GiantStepRegressor
from ._common import figure, medians, save, table

TITLE = (
    "Dandi, Krzakala, Loureiro, Pesce & Stephan, How two-layer neural networks learn, "
    "one (giant) step at a time (JMLR 2024)"
)
CLAIM = (
    "With n = O(d) samples per step, one giant step learns only the directions linearly "
    "correlated with the target; further steps learn the rest of a staircase (stair2) "
    "but never the directions of a target without staircase (h124); random features "
    "stay above the linear-kernel error."
)

KINDS = ("stair2", "h124")


def _rows_per_step(n_features, log_n_log_d):
    return int(round(n_features**log_n_log_d))


def make_target(n_samples, n_features, kind, log_n_log_d, n_steps, random_state=None):
    """The giant-step target; ``log_n_log_d`` and ``n_steps`` only label the grid point
    (``n_samples`` is ``(n_steps + 1) * d^log_n_log_d``: T step batches and a read-out).
    """
    return make_giant_step_target(kind, n_samples, n_features, random_state=random_state)


def mse(est, X, y, info):
    return float(np.mean((est.predict(X) - y) ** 2))


def sv2(est, X, y, info):
    """Second singular value of the neuron-direction overlaps after the last step."""
    return float(subspace_overlaps(est.W_, info.directions).subspace_sv[1])


def linear_line(est, X, y, info):
    return float(info.linear_kernel_error)


def spec(quick=False, seed=0):
    """The sweep: target x n = d^kappa x number of steps T, random features at T = 0."""
    if quick:
        d, p, ratios, steps, seeds = 32, 64, (1.0, 1.5, 2.0), (0, 1, 2, 3), 2
    else:
        d, p, ratios, steps, seeds = 64, 256, (1.0, 1.25, 1.5, 1.75, 2.0), (0, 1, 2, 3, 4), 3
    return dict(
        make=make_target,
        data_grid={
            "kind": list(KINDS),
            "n_features": [d],
            "log_n_log_d": list(ratios),
            "n_steps": list(steps),
            "n_samples": [
                lambda n_features, log_n_log_d, n_steps: (
                    (n_steps + 1) * _rows_per_step(n_features, log_n_log_d)
                )
            ],
        },
        estimators={"giant_step": GiantStepRegressor(n_hidden=p, n_jobs=1, fit_intercept=False)},
        param_grid={
            "giant_step": {
                "n_steps": [FromData(lambda n_steps: n_steps)],
                "batch_size": [FromData(_rows_per_step)],
            }
        },
        seeds=list(range(seed, seed + seeds)),
        n_test=4000,
        metrics={"test_mse": mse, "sv2": sv2, "linear_line": linear_line},
    )


def run(out_dir, quick=False, seed=0):
    args = spec(quick, seed)
    grid = args["data_grid"]
    d, p = grid["n_features"][0], args["estimators"]["giant_step"].n_hidden
    ratios, steps, seeds = grid["log_n_log_d"], grid["n_steps"], len(args["seeds"])
    records = sweep(**args, verbose=1).records
    med = medians(records, ["kind", "log_n_log_d", "n_steps"], ["test_mse", "sv2", "linear_line"])
    rows = [
        dict(
            target=kind,
            log_n_log_d=kappa,
            n=_rows_per_step(d, kappa),
            T=T,
            test_mse=m["test_mse"],
            sv2=m["sv2"],
            linear_line=m["linear_line"],
        )
        for (kind, kappa, T), m in med.items()
    ]
    lines = {r["target"]: r["linear_line"] for r in rows}
    print(
        f"\nd={d}, p={p}, {seeds} seed(s), medians; T=0 is random features; sv2 = second "
        f"singular value of the neuron-direction overlaps (random level {d**-0.5:.3f})"
    )
    table(
        rows,
        ["target", "log_n_log_d", "n", "T", "test_mse", "sv2", "linear_line"],
        {"log_n_log_d": ".2f", "test_mse": ".3f", "sv2": ".3f", "linear_line": ".3f"},
    )
    plt = figure()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, kind in zip(axes, KINDS, strict=True):
        for T in steps:
            pts = [
                (r["log_n_log_d"], r["test_mse"])
                for r in rows
                if r["target"] == kind and r["T"] == T
            ]
            x, m = np.array(pts).T
            ax.plot(x, m, "o-", label="random features" if T == 0 else f"T = {T}")
        ax.axhline(lines[kind], color="k", ls="--", label="linear kernel")
        ax.set(xlabel="log n / log d", ylabel="test MSE", title=kind)
        ax.legend(fontsize=8)
    figs = [save(fig, out_dir, "dklps24_staircase")]
    top = max(ratios)

    def at(kind, T, kappa=top):
        return next(
            r for r in rows if r["target"] == kind and r["T"] == T and r["log_n_log_d"] == kappa
        )

    summary = (
        f"stair2 at n=d^{top:g}: RF {at('stair2', 0)['test_mse']:.3f} > T=1 "
        f"{at('stair2', 1)['test_mse']:.3f} > T=2 {at('stair2', 2)['test_mse']:.3f}; "
        f"sv2 after T=1 {at('stair2', 1)['sv2']:.3f} vs T=2 {at('stair2', 2)['sv2']:.3f}; "
        f"h124 at n=d: sv2 {max(at('h124', T, min(ratios))['sv2'] for T in steps):.3f} "
        f"at most over T (random level {d**-0.5:.3f})"
    )
    return dict(
        paper="dklps24",
        title=TITLE,
        claim=CLAIM,
        summary=summary,
        settings=dict(d=d, p=p, seeds=seeds, ratios=list(ratios), steps=list(steps)),
        rows=rows,
        runs=records,
        figures=figs,
    )
