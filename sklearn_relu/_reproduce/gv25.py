"""Guo & Vijayaraghavan (COLT 2025): the SQ learner stays within a constant factor of the
planted loss as the bias goes negative, where gradient descent follows a decoy.
"""

from ..datasets import make_biased_relu_halfspace_noise
from ..experiments import direction_cosine, loss_ratio, sweep, zero_loss_ratio
from ..neuron import BiasedReLURegressorSQ, GDReLURegressor
from ._common import figure, medians, save, table

TITLE = (
    "Guo & Vijayaraghavan, Agnostic learning of arbitrary ReLU activation under "
    "Gaussian marginals (COLT 2025)"
)
CLAIM = (
    "A statistical-query algorithm learns a ReLU with arbitrary bias to O(OPT) under "
    "Gaussian inputs; correlational methods such as gradient descent cannot when the "
    "bias is very negative (their Eq. 4 counterexample)."
)


def spec(quick=False, seed=0):
    """The sweep: SQ learner vs Adam-GD over the bias of the planted neuron."""
    if quick:
        d, n, n_test, biases, seeds = 10, 100_000, 50_000, (-1.0, -2.0, -2.5, -3.0), 2
    else:
        d, n, n_test, biases, seeds = 20, 500_000, 200_000, (0.0, -1.0, -2.0, -2.5, -3.0, -3.5), 5
    return dict(
        make=make_biased_relu_halfspace_noise,
        data_grid={"n_features": [d], "bias": list(biases), "n_samples": [n]},
        estimators={"SQ": BiasedReLURegressorSQ(), "GD": GDReLURegressor(solver="adam")},
        seeds=list(range(seed, seed + seeds)),
        n_test=n_test,
        metrics={"ratio": loss_ratio, "cos": direction_cosine, "zero": zero_loss_ratio},
    )


def run(out_dir, quick=False, seed=0):
    args = spec(quick, seed)
    records = sweep(**args, verbose=1).records
    d, n = args["data_grid"]["n_features"][0], args["data_grid"]["n_samples"][0]
    seeds, biases = len(args["seeds"]), args["data_grid"]["bias"]
    med = medians(records, ["bias", "estimator"], ["ratio", "cos", "zero"])
    rows = [
        dict(
            bias=b,
            SQ=med[b, "SQ"]["ratio"],
            SQ_cos=med[b, "SQ"]["cos"],
            GD=med[b, "GD"]["ratio"],
            GD_cos=med[b, "GD"]["cos"],
            zero=med[b, "SQ"]["zero"],
        )
        for b in biases
    ]
    print(
        f"\nHalf-space noise (kappa=2), d={d}, n={n}, {seeds} seeds: medians of test loss /"
        " planted loss [cos(w, v)]"
    )
    table(
        rows,
        ["bias", "SQ", "SQ_cos", "GD", "GD_cos", "zero"],
        {
            "bias": ".1f",
            "SQ": ".3f",
            "SQ_cos": "+.3f",
            "GD": ".3f",
            "GD_cos": "+.3f",
            "zero": ".3f",
        },
    )
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
    summary = (
        f"at b={worst_b:g}: SQ ratio {last['SQ']:.2f} (cos {last['SQ_cos']:+.3f}) vs GD "
        f"{last['GD']:.2f} (cos {last['GD_cos']:+.3f}); zero function {last['zero']:.2f}"
    )
    return dict(
        paper="gv25",
        title=TITLE,
        claim=CLAIM,
        summary=summary,
        settings=dict(d=d, n=n, n_test=args["n_test"], seeds=seeds, kappa=2),
        rows=rows,
        runs=records,
        figures=figs,
    )
