"""Utilities: estimator discovery, thread control, versions, validation helpers."""

from ._discovery import all_estimators
from ._parallel import worker_thread_env
from ._show_versions import show_versions
from ._threads import kernel_threads

__all__ = ["all_estimators", "kernel_threads", "show_versions", "worker_thread_env"]
