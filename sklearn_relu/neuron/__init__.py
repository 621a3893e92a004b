"""Single-neuron estimators."""

from ._gd import GDReLURegressor
from ._surrogate import ConvexSurrogateReLURegressor, GLMtronRegressor

__all__ = ["ConvexSurrogateReLURegressor", "GDReLURegressor", "GLMtronRegressor"]
