"""Glasgow (ICLR 2024): one-pass SGD on both layers learns hypercube XOR from about
d log d samples."""

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..datasets import make_xor_hypercube
from ..two_layer import TwoLayerXORClassifier
from ._common import Progress, figure, save, table

TITLE = ("Glasgow, SGD finds then tunes features in two-layer neural networks with "
         "near-optimal sample complexity: a case study in the XOR problem (ICLR 2024)")
CLAIM = ("Minibatch SGD on both layers of a two-layer ReLU network, from a small balanced "
         "initialisation, learns XOR on the hypercube with d polylog d samples; kernel "
         "methods need about d^2.")


def run(out_dir, quick=False, seed=0):
    dims, seeds = ((32, 64, 128), 2) if quick else ((32, 64, 128, 256, 512), 5)
    prog = Progress(len(dims) * seeds, "gla24")
    raw = []
    for d in dims:
        dlnd = d * math.log(d)
        Xv, yv, _ = make_xor_hypercube(2000 if quick else 4000, d, random_state=99)
        for s in range(seed, seed + seeds):
            X, y, _ = make_xor_hypercube(int(20 * dlnd), d, random_state=s)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf = TwoLayerXORClassifier(random_state=s).fit(X, y, X_val=Xv, y_val=yv)
            ps = clf.phase_steps_
            raw.append(dict(d=d, seed=s, n1=ps["T_err1_n_seen"], n10=ps["T_err10_n_seen"],
                            T1_output=ps["T1_output"], T_err1=ps["T_err1"]))
            prog.step(f"d={d} seed={s}")
    rows = []
    for d in dims:
        rs = [r for r in raw if r["d"] == d]
        n1 = np.array([np.nan if r["n1"] is None else r["n1"] for r in rs], dtype=float)
        rows.append(dict(d=d, n1_median=float(np.nanmedian(n1)),
                         per_dlnd=float(np.nanmedian(n1)) / (d * math.log(d)),
                         per_d2=float(np.nanmedian(n1)) / d**2,
                         phase1_steps=float(np.median([r["T1_output"] or np.nan for r in rs])),
                         steps_to_1pct=float(np.nanmedian([r["T_err1"] or np.nan for r in rs]))))
    print(f"\nSamples to 1 % test error, one pass, defaults, {seeds} seeds (medians)")
    table(rows, ["d", "n1_median", "per_dlnd", "per_d2", "phase1_steps", "steps_to_1pct"],
          {"n1_median": ".0f", "per_dlnd": ".2f", "per_d2": ".3f", "phase1_steps": ".0f",
           "steps_to_1pct": ".0f"})
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
    summary = (f"samples to 1 % = {min(r['per_dlnd'] for r in rows):.1f}-"
               f"{max(r['per_dlnd'] for r in rows):.1f} x d ln d for d = {dims[0]}..{dims[-1]} "
               f"(fitted C = {C:.1f}); at d = {dims[-1]} that is {rows[-1]['per_d2']:.3f} d^2")
    return dict(paper="gla24", title=TITLE, claim=CLAIM, summary=summary,
                settings=dict(dims=list(dims), seeds=seeds, width=64), rows=rows, runs=raw,
                figures=figs)
