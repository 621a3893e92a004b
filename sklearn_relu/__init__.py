"""sklearn-relu: scikit-learn estimators from the learning theory of ReLU neurons."""

from . import two_layer
from .neuron import (
    BiasedReLURegressorSQ,
    ConvexSurrogateReLURegressor,
    GDReLURegressor,
    GLMtronRegressor,
)
from .two_layer import *  # noqa: F401,F403
from .utils import show_versions

__version__ = "0.1.0.dev0"

__all__ = [
    "BiasedReLURegressorSQ",
    "ConvexSurrogateReLURegressor",
    "GDReLURegressor",
    "GLMtronRegressor",
    *two_layer.__all__,
    "show_versions",
    "__version__",
]
