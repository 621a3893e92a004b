"""Glasgow (ICLR 2024): one-pass SGD on both layers learns hypercube XOR from about
d log d samples.
"""

import math

import numpy as np

from ..datasets import make_xor_hypercube
from ..experiments import sweep
from ..two_layer import TwoLayerXORClassifier
from ._common import figure, save, table

TITLE = (
    "Glasgow, SGD finds then tunes features in two-layer neural networks with "
    "near-optimal sample complexity: a case study in the XOR problem (ICLR 2024)"
)
CLAIM = (
    "Minibatch SGD on both layers of a two-layer ReLU network, from a small balanced "
    "initialisation, learns XOR on the hypercube with d polylog d samples; kernel "
    "methods need about d^2."
)


def _phase(key):
    def metric(est, X, y, info):
        value = est.phase_steps_[key]
        return np.nan if value is None else float(value)

    metric.__name__ = key
    return metric


def _monitor(X_test, y_test, info):
    """The held-out rows are the monitor set whose error curve gives phase_steps_."""
    return {"X_val": X_test, "y_val": y_test}


def spec(quick=False, seed=0):
    """The sweep: one pass of 20 d ln d fresh samples per dimension, defaults."""
    dims, seeds = ((32, 64, 128), 2) if quick else ((32, 64, 128, 256, 512), 5)
    return dict(
        make=make_xor_hypercube,
        data_grid={
            "n_features": list(dims),
            "n_samples": [lambda n_features: int(20 * n_features * math.log(n_features))],
        },
        estimators={"sgd": TwoLayerXORClassifier()},
        fit_params={"sgd": _monitor},
        seeds=list(range(seed, seed + seeds)),
        n_test=2000 if quick else 4000,
        metrics={
            "n1": _phase("T_err1_n_seen"),
            "n10": _phase("T_err10_n_seen"),
            "T1_output": _phase("T1_output"),
            "T_err1": _phase("T_err1"),
        },
    )


def run(out_dir, quick=False, seed=0):
    args = spec(quick, seed)
    dims, seeds = args["data_grid"]["n_features"], len(args["seeds"])
    raw = sweep(**args, verbose=1).records
    rows = []
    for d in dims:
        rs = [r for r in raw if r["n_features"] == d]
        n1 = np.array([r["n1"] for r in rs], dtype=float)
        rows.append(
            dict(
                d=d,
                n1_median=float(np.nanmedian(n1)),
                per_dlnd=float(np.nanmedian(n1)) / (d * math.log(d)),
                per_d2=float(np.nanmedian(n1)) / d**2,
                phase1_steps=float(np.median([r["T1_output"] or np.nan for r in rs])),
                steps_to_1pct=float(np.nanmedian([r["T_err1"] or np.nan for r in rs])),
            )
        )
    print(f"\nSamples to 1 % test error, one pass, defaults, {seeds} seeds (medians)")
    table(
        rows,
        ["d", "n1_median", "per_dlnd", "per_d2", "phase1_steps", "steps_to_1pct"],
        {
            "n1_median": ".0f",
            "per_dlnd": ".2f",
            "per_d2": ".3f",
            "phase1_steps": ".0f",
            "steps_to_1pct": ".0f",
        },
    )
    plt = figure()
    fig, ax = plt.subplots(figsize=(6, 4))
    ds = np.array(dims, dtype=float)
    med = np.array([r["n1_median"] for r in rows])
    C = float(np.exp(np.mean(np.log(med / (ds * np.log(ds))))))
    ax.loglog(ds, med, "o", label="SGD: samples to 1 %")
    ax.loglog(ds, C * ds * np.log(ds), "-", label=f"{C:.1f} d ln d")
    ax.loglog(ds, med[0] * (ds / ds[0]) ** 2, "--", color="gray", label="d^2")
    ax.set_xlabel("d")
    ax.set_ylabel("fresh samples")
    ax.legend()
    figs = [save(fig, out_dir, "gla24_sample_complexity")]
    summary = (
        f"samples to 1 % = {min(r['per_dlnd'] for r in rows):.1f}-"
        f"{max(r['per_dlnd'] for r in rows):.1f} x d ln d for d = {dims[0]}..{dims[-1]} "
        f"(fitted C = {C:.1f}); at d = {dims[-1]} that is {rows[-1]['per_d2']:.3f} d^2"
    )
    return dict(
        paper="gla24",
        title=TITLE,
        claim=CLAIM,
        summary=summary,
        settings=dict(dims=list(dims), seeds=seeds, width=64),
        rows=rows,
        runs=raw,
        figures=figs,
    )
