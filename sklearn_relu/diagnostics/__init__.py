"""Diagnostics shared by the estimators, tests, demo and benchmarks: overlaps with planted
directions, ratios to the planted loss, weight clustering.

One submodule per family; each declares its public functions in ``__all__``.
"""

from . import _leaky, _overlaps, _single_neuron, _xor
from ._leaky import *  # noqa: F401,F403
from ._overlaps import *  # noqa: F401,F403
from ._single_neuron import *  # noqa: F401,F403
from ._xor import *  # noqa: F401,F403

__all__ = [
    *_single_neuron.__all__,
    *_xor.__all__,
    *_overlaps.__all__,
    *_leaky.__all__,
]
