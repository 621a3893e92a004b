"""Generators for every paper's data: ``make_*(...)`` returns ``(X, y, info)`` with the planted
truth and the population statistics in ``info`` (a :class:`~sklearn.utils.Bunch`).

One submodule per family; each declares its public generators in ``__all__``.
"""

from . import _giant_step, _leaky, _proper, _single_neuron, _xor, _zarr
from ._giant_step import *  # noqa: F401,F403
from ._leaky import *  # noqa: F401,F403
from ._proper import *  # noqa: F401,F403
from ._single_neuron import *  # noqa: F401,F403
from ._xor import *  # noqa: F401,F403
from ._zarr import *  # noqa: F401,F403

__all__ = [
    *_single_neuron.__all__,
    *_xor.__all__,
    *_giant_step.__all__,
    *_leaky.__all__,
    *_proper.__all__,
    *_zarr.__all__,
]
