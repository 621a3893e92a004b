"""Experiments over the data distribution: sweeps, ready-made metrics and their plots.

:func:`sweep` fits estimators across a grid of generator parameters, seeds and
hyperparameters and returns a tidy table; :func:`plot_sweep` and
:func:`plot_phase_diagram` draw it. See the user guide's page on experiments.
"""

from . import _metrics, _plot, _sweep
from ._metrics import *  # noqa: F401,F403
from ._plot import *  # noqa: F401,F403
from ._sweep import *  # noqa: F401,F403

__all__ = [*_sweep.__all__, *_metrics.__all__, *_plot.__all__]
