"""Two-layer network estimators, one submodule per paper; each declares its estimators
in ``__all__``.
"""

from . import _giant_step, _leaky, _proper, _xor
from ._giant_step import *  # noqa: F401,F403
from ._leaky import *  # noqa: F401,F403
from ._proper import *  # noqa: F401,F403
from ._xor import *  # noqa: F401,F403

__all__ = [*_xor.__all__, *_giant_step.__all__, *_leaky.__all__, *_proper.__all__]
