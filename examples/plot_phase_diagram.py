"""
======================================================================
A phase diagram with ``sweep``: XOR test error over d and n / (d ln d)
======================================================================

Glasgow (ICLR 2024) proves that one pass of minibatch SGD on both layers of a two-layer
ReLU network learns XOR of two hypercube coordinates from about ``d polylog d`` fresh
samples. :func:`sklearn_relu.experiments.sweep` checks the claim over the *data*
distribution: for each dimension ``d`` and each sample size ``n = c d ln d``
(:class:`~sklearn_relu.experiments.FeatureScaled`), every seed draws fresh data from
:func:`~sklearn_relu.datasets.make_xor_hypercube`, fits
:class:`~sklearn_relu.TwoLayerXORClassifier` (defaults: one pass, width 64) and
measures the error on held-out rows of the same XOR.

What to look for:

* **left**: the phase diagram. The white contour (5 % test error) sits at about the
  same factor ``c`` for every ``d``: the sample complexity scales as ``d ln d``;
* **right**: the error against ``c``, one line per ``d`` (mean and 95 % band over the
  seeds): the curves collapse.

``benchmarks/bench_xor.py`` and ``python -m sklearn_relu reproduce gla24`` go to
``d = 512``.
"""

import matplotlib.pyplot as plt

from sklearn_relu import TwoLayerXORClassifier
from sklearn_relu.datasets import make_xor_hypercube
from sklearn_relu.experiments import (
    FeatureScaled,
    error_rate,
    plot_phase_diagram,
    plot_sweep,
    sweep,
)

# %%
# The sweep: 3 dimensions x 6 sample sizes x 3 seeds = 54 fits
# -------------------------------------------------------------
result = sweep(
    make_xor_hypercube,
    {
        "n_features": [16, 32, 64],
        "n_samples": [FeatureScaled(c, "d log d") for c in (1, 2, 4, 8, 16, 32)],
    },
    {"SGD": TwoLayerXORClassifier()},
    seeds=3,
    metrics=[error_rate],
    n_test=2000,
)
frame = result.to_frame()
print(result)
print(
    frame.pivot_table(index="n_features", columns="n_samples_factor", values="error_rate").round(3)
)

# %%
# The phase diagram and the collapse
# ----------------------------------
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
plot_phase_diagram(frame, "n_samples_factor", "n_features", "error_rate", threshold=0.05, ax=ax1)
ax1.set_xlabel("samples / (d ln d)")
ax1.set_ylabel("d")
plot_sweep(frame, "n_samples_factor", "error_rate", hue="n_features", logx=True, ax=ax2)
ax2.axhline(0.05, color="gray", lw=0.5)
ax2.set_xlabel("samples / (d ln d)")
ax2.set_ylabel("test error")
fig.tight_layout()
plt.show()
