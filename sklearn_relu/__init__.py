"""sklearn-relu: scikit-learn estimators from the learning theory of ReLU neurons."""

from .neuron import (
    BiasedReLURegressorSQ,
    ConvexSurrogateReLURegressor,
    GDReLURegressor,
    GLMtronRegressor,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "BiasedReLURegressorSQ",
    "ConvexSurrogateReLURegressor",
    "GDReLURegressor",
    "GLMtronRegressor",
    "__version__",
]
