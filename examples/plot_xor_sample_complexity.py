"""
=================================================================
XOR on the hypercube: samples to 1 % error grow like d log d
=================================================================

Glasgow (ICLR 2024) proves that plain minibatch SGD on *both* layers of a two-layer
ReLU network learns XOR of two coordinates of the Boolean hypercube,
``y = -x_i x_j``, from about ``d polylog d`` fresh samples, while kernel methods
(random features, the NTK) need about ``d^2``.

For each dimension ``d`` we stream a single pass of fresh samples through
:class:`~sklearn_relu.TwoLayerXORClassifier` with its defaults (width 64, step 1,
batch ``ceil(0.25 d ln d)``) and read off ``phase_steps_["T_err1_n_seen"]``: the
samples consumed when the error on a fixed 2000-point monitor set first reaches 1 %.

What to look for:

* **left**: the points follow the ``C d ln d`` line (``C`` fitted) and fall further
  below the ``d^2`` line as ``d`` grows;
* **right**: test error against samples in units of ``d ln d`` -- the curves for
  every ``d`` collapse, with the transition between about 4 and 12 ``d ln d``.

``benchmarks/bench_xor.py`` runs 5 seeds per ``d`` up to 512 and adds a random-features
baseline and scikit-learn's ``MLPClassifier``.
"""

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_relu import TwoLayerXORClassifier
from sklearn_relu.datasets import make_xor_hypercube

DIMS = (32, 64, 128, 256, 512)
SEEDS = (0, 1)

# %%
# Samples to 1 % test error, one pass of fresh data
# --------------------------------------------------
n1 = {}
curves = {}
for d in DIMS:
    dlnd = d * math.log(d)
    Xv, yv, _ = make_xor_hypercube(2000, d, random_state=100)
    n1[d] = []
    for seed in SEEDS:
        X, y, _ = make_xor_hypercube(int(14 * dlnd), d, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = TwoLayerXORClassifier(random_state=seed).fit(X, y, X_val=Xv, y_val=yv)
        n1[d].append(clf.phase_steps_["T_err1_n_seen"] or np.nan)
        if seed == 0:
            curves[d] = (clf.history_["n_seen"] / dlnd, clf.history_["val_error"])
    print(
        f"d = {d:4d}: samples to 1 % = {n1[d]}  "
        f"(= {np.nanmedian(n1[d]) / dlnd:.1f} d ln d, {np.nanmedian(n1[d]) / d**2:.3f} d^2)"
    )

# %%
# Plot
# ----
dims = np.array(DIMS, dtype=float)
med = np.array([np.nanmedian(n1[d]) for d in DIMS])
lo = med - np.array([np.nanmin(n1[d]) for d in DIMS])
hi = np.array([np.nanmax(n1[d]) for d in DIMS]) - med
C = np.exp(np.mean(np.log(med / (dims * np.log(dims)))))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.errorbar(dims, med, yerr=[lo, hi], fmt="o", capsize=3, label="SGD, samples to 1 %")
ax1.plot(dims, C * dims * np.log(dims), "-", label=f"{C:.1f} d ln d")
ax1.plot(dims, med[0] * (dims / dims[0]) ** 2, "--", color="gray", label="d^2 (through d=32)")
ax1.set_xscale("log", base=2)
ax1.set_yscale("log")
ax1.set_xlabel("dimension d")
ax1.set_ylabel("fresh samples")
ax1.legend()
ax1.set_title("Samples to 1 % test error")
for d, (x, err) in curves.items():
    ax2.plot(x, err, label=f"d = {d}")
ax2.set_xlabel("samples / (d ln d)")
ax2.set_ylabel("monitor error")
ax2.set_title("Learning curves collapse in units of d ln d")
ax2.legend()
fig.tight_layout()
plt.show()
