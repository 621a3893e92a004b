"""
=====================================================
The two phases of SGD on XOR: find, then tune
=====================================================

Glasgow (ICLR 2024) splits one-pass SGD on hypercube XOR into two phases:

1. **signal-finding**: the network output is about 0, so every sample's loss
   derivative is about -1/2 and each neuron evolves on its own. The component of each
   first-layer weight in the XOR plane span(e_i, e_j) grows geometrically, together
   with the neuron's second-layer weight; the loss stays at ln 2.
2. **signal-heavy**: once enough neurons carry signal the output becomes order 1, the
   loss drops, and SGD balances the four features +-u_minus (positive output weight)
   and +-u_plus (negative output weight).

:class:`~sklearn_relu.TwoLayerXORClassifier` records every quantity in ``history_``
when it knows the feature coordinates (``feature_coords``); ``phase_steps_`` marks where
the phases end. Here d = 256, width 64, the default step and batch rule.
"""

import math

import matplotlib.pyplot as plt
import numpy as np

from sklearn_relu import TwoLayerXORClassifier
from sklearn_relu.datasets import make_xor_hypercube

d = 256
X, y, info = make_xor_hypercube(int(16 * d * math.log(d)), d, random_state=0)
Xv, yv, _ = make_xor_hypercube(4000, d, random_state=1)
clf = TwoLayerXORClassifier(feature_coords=info.coords, random_state=0)
clf.fit(X, y, X_val=Xv, y_val=yv)
h, ps = clf.history_, clf.phase_steps_
print({k: v for k, v in ps.items() if not k.endswith("n_seen")})

# %%
# Plot every diagnostic against the SGD step
# -------------------------------------------
step = h["step"]
fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)


def shade(ax):
    ax.axvspan(0, ps["T1_output"], color="tab:blue", alpha=0.08, label="phase 1")
    if ps["T_err1"] is not None:
        ax.axvspan(ps["T1_output"], ps["T_err1"], color="tab:orange", alpha=0.08, label="phase 2")


ax = axes[0, 0]
ax.plot(step, h["val_loss"], label="val loss")
ax.plot(step, h["val_error"], label="val error")
ax.axhline(math.log(2), color="gray", ls=":", label="ln 2")
shade(ax)
ax.set_title("loss and error")
ax.legend(fontsize=8)

ax = axes[0, 1]
ax.semilogy(step, h["mean_abs_output"], label="mean |output|")
ax.semilogy(step, h["max_abs_a"], label="max |a_k|")
ax.semilogy(step, h["effective_mass"], label="sum |a_k| ||w_k||")
ax.axhline(0.1, color="gray", ls=":")
shade(ax)
ax.set_title("output and second-layer growth")
ax.legend(fontsize=8)

ax = axes[1, 0]
ax.fill_between(
    step, h["sig_frac_q10"], h["sig_frac_q90"], alpha=0.3, label="signal fraction q10-q90"
)
ax.plot(step, h["sig_frac_q50"], label="median signal fraction")
ax.plot(step, h["aligned_frac"], label="aligned fraction (cos > 0.9)")
ax.axhline(math.sqrt(2 / d), color="gray", ls=":", label="sqrt(2/d) (random)")
shade(ax)
ax.set_xlabel("SGD step")
ax.set_title("features found")
ax.legend(fontsize=8)

ax = axes[1, 1]
for col, lab in [
    ("cluster_mass_uminus_pos", "+u_minus"),
    ("cluster_mass_uminus_neg", "-u_minus"),
    ("cluster_mass_uplus_pos", "+u_plus"),
    ("cluster_mass_uplus_neg", "-u_plus"),
]:
    ax.plot(step, h[col], label=lab)
shade(ax)
ax.set_xlabel("SGD step")
ax.set_title("mass on the four features (balanced in phase 2)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Balance: gradient flow conserves a_k^2 - ||w_k||^2; SGD drifts only slightly.
print(f"max balance drift over the run: {np.max(h['balance_drift']):.3g}")
