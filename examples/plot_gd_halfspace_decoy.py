"""
================================================================
Gradient descent follows a decoy when the bias is very negative
================================================================

Guo & Vijayaraghavan's one-dimensional counterexample, lifted to ``d`` dimensions by
:func:`sklearn_relu.datasets.make_biased_relu_halfspace_noise`: the labels are a
planted neuron ``relu(<x, v> + b)`` plus a small constant ``c`` on the half-space
``<x, v> < 0``, with ``c = kappa * Phi(b) / phi(0)``.

The constant costs little squared loss, but it is *linear* in the correlation
``E[y <x, v>] = A Phi(b) (1 - kappa)``, which changes sign at ``kappa = 1``. Gradient
descent from zero takes its first step along that correlation, so beyond
``kappa = 1`` it turns to ``-v`` (cosine -1) and ends near the zero function, while
the planted neuron is many times better (dashed line: the zero function's loss
ratio). Below ``kappa = 1`` the direction is right at first, but at this bias and
sample size GD still stalls near the best constant: the thin active strip
``<x, v> > 3`` gives it too little signal, which is the regime the statistical-query
learner of the same paper is built for.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_relu import GDReLURegressor
from sklearn_relu.datasets import make_biased_relu_halfspace_noise
from sklearn_relu.diagnostics import cosine, loss_ratio

bias, d = -3.0, 10
kappas = np.array([0.25, 0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2.0, 3.0])
cos, ratio, zero_ratio, corr = [], [], [], []
for kappa in kappas:
    X, y, info = make_biased_relu_halfspace_noise(20_000, d, bias=bias, kappa=kappa, random_state=0)
    Xt, yt, _ = make_biased_relu_halfspace_noise(
        50_000, d, bias=bias, kappa=kappa, direction=info.direction, random_state=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gd = GDReLURegressor().fit(X, y)
    cos.append(cosine(gd.coef_, info.direction))
    ratio.append(loss_ratio(gd, Xt, yt, info))
    zero_ratio.append(info.zero_loss / info.planted_loss)
    corr.append(info.label_correlation)

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9, 3.6))
ax0.plot(kappas, cos, "o-", label="cos(w_GD, v)")
ax0.plot(kappas, np.sign(corr), "s:", color="gray", label="sign of E[y <x, v>]")
ax0.axvline(1.0, color="k", lw=0.5)
ax0.set_xlabel("noise level kappa")
ax0.set_ylim(-1.1, 1.1)
ax0.legend(fontsize=8)
ax0.set_title(f"direction found by GD (b = {bias})")
ax1.semilogy(kappas, ratio, "o-", label="GDReLURegressor")
ax1.semilogy(kappas, zero_ratio, "--", color="gray", label="zero function")
ax1.axhline(1.0, color="k", lw=0.5)
ax1.set_xlabel("noise level kappa")
ax1.set_ylabel("test loss / planted loss")
ax1.legend(fontsize=8)
ax1.set_title("loss relative to the planted neuron")
fig.tight_layout()
plt.show()
