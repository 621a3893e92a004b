"""Utilities: estimator discovery, the numba thread-count context, validation helpers."""

from ._discovery import all_estimators
from ._threads import kernel_threads

__all__ = ["all_estimators", "kernel_threads"]
