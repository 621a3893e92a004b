"""Single-neuron estimators."""

from ._gd import GDReLURegressor
from ._sq import BiasedReLURegressorSQ
from ._surrogate import ConvexSurrogateReLURegressor, GLMtronRegressor

__all__ = [
    "BiasedReLURegressorSQ",
    "ConvexSurrogateReLURegressor",
    "GDReLURegressor",
    "GLMtronRegressor",
]
