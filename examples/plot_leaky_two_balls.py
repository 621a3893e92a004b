"""
===========================================================================
Two balls in the plane: small initialisation clusters, large does not
===========================================================================

Sarussi, Brutzkus & Globerson (ICML 2021) explain why a two-layer leaky-ReLU network
trained by SGD on linearly separable data is often a *linear* classifier: if the hidden
weights of each output group converge to one cluster, the network is its linear
surrogate ``sign <S+ - S-, x>`` (``S`` the sum of a group's weights). Here the data are
two balls around ``+-0.5 e_1`` (:func:`sklearn_relu.datasets.make_two_balls`), and
:class:`~sklearn_relu.LeakyReLUTwoLayerClassifier` (50 units per group, ``negative_slope = 0.3``,
logistic loss) is trained from a small and from a large initialisation.

What to look for:

* **top**: the hidden weights as arrows (blue: positive group, red: negative group),
  the network's decision boundary (black) and the surrogate's line (dashed). Small
  init: two tight bundles of arrows and the two lines coincide. Large init: the arrows
  fan out, yet the boundary is still nearly the surrogate line -- clustering is
  sufficient for linearity, not necessary.
* **bottom**: the coherence of the groups (1 = every weight in a group points the same
  way) and the fraction of training points on which every unit of a group agrees on
  its activation (the "agreement regime", which freezes the within-group differences).
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_relu import LeakyReLUTwoLayerClassifier
from sklearn_relu.datasets import make_two_balls

X, y, info = make_two_balls(300, random_state=0)
settings = {
    "small init (std 0.01)": dict(init_scale=0.01, learning_rate=0.5),
    "large init (std 1)": dict(init_scale=1.0, learning_rate=0.05),
}
fits = {}
for name, kw in settings.items():
    est = LeakyReLUTwoLayerClassifier(
        max_iter=100, tol=None, log_every=2, random_state=0, **kw
    ).fit(X, y)
    fits[name] = (est, est.weight_clustering(X, y, svm=False))
    res = fits[name][1]
    print(
        f"{name}: coherence {res['coherence_min']:.4f}, agreement with the surrogate "
        f"(unit ball) {res['agreement_ball']:.4f}, certified {res['certified_fraction']:.2f}"
    )

# %%
# Weights, boundary and surrogate
# -------------------------------
fig, axes = plt.subplots(2, 2, figsize=(10, 8.5))
g = np.linspace(-1, 1, 301)
G1, G2 = np.meshgrid(g, g)
grid = np.column_stack([G1.ravel(), G2.ravel()])
for ax, (name, (est, res)) in zip(axes[0], fits.items(), strict=True):
    ax.scatter(X[:, 0], X[:, 1], c=np.where(y > 0, "tab:blue", "tab:red"), s=8, alpha=0.4)
    F = est.decision_function(grid).reshape(G1.shape)
    ax.contour(G1, G2, F, levels=[0.0], colors="k")
    s = res["linear_coef"]
    t = np.array([-s[1], s[0]]) / np.linalg.norm(s)  # direction of the surrogate's line
    ax.plot([-t[0], t[0]], [-t[1], t[1]], "k--", lw=1)
    for group, color in [(1, "tab:blue"), (0, "tab:red")]:
        W = est.coef_hidden_[group]
        W = 0.9 * W / np.abs(W).max()
        ax.quiver(
            np.zeros(len(W)),
            np.zeros(len(W)),
            W[:, 0],
            W[:, 1],
            color=color,
            angles="xy",
            scale_units="xy",
            scale=1,
            width=0.004,
            alpha=0.6,
        )
    ax.set(
        xlim=(-1, 1),
        ylim=(-1, 1),
        aspect="equal",
        title=f"{name}\ncoherence {res['coherence_min']:.3f}",
    )

# %%
# Clustering and agreement during training
# ----------------------------------------
for name, (est, _) in fits.items():
    h = est.history_
    axes[1, 0].plot(h["epoch"], h["coherence_min"], "o-", ms=3, label=name)
    axes[1, 1].plot(h["epoch"], h["nar_weak"], "o-", ms=3, label=name)
axes[1, 0].set(xlabel="epoch", ylabel="min group coherence")
axes[1, 1].set(xlabel="epoch", ylabel="fraction of points in the agreement regime")
for ax in axes[1]:
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
