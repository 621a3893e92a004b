"""sklearn-relu: scikit-learn estimators from the learning theory of ReLU neurons."""

from .neuron import ConvexSurrogateReLURegressor, GDReLURegressor, GLMtronRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "ConvexSurrogateReLURegressor",
    "GDReLURegressor",
    "GLMtronRegressor",
    "__version__",
]
