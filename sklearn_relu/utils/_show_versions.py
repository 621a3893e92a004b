"""``sklearn_relu.show_versions()``: what a bug report needs."""

import importlib
import os
import platform
import sys

_DEPS = (
    "sklearn_relu",
    "numpy",
    "scipy",
    "sklearn",
    "numba",
    "joblib",
    "threadpoolctl",
    "matplotlib",
    "dask",
    "distributed",
    "dask_ml",
    "ray",
    "torch",
    "pandas",
)


def _versions():
    out = {}
    for name in _DEPS:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            out[name] = None
        else:
            out[name] = getattr(mod, "__version__", "installed")
    return out


def _threads():
    import numba

    info = {"numba threading layer": None, "numba threads": numba.config.NUMBA_NUM_THREADS}
    try:
        info["numba threading layer"] = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        info["numba threading layer"] = "(not initialised yet)"
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            info[f"{lib['user_api']} {lib['internal_api']} threads"] = lib["num_threads"]
    except Exception:  # pragma: no cover - informational only
        pass
    info["cpu count"] = os.cpu_count()
    return info


def show_versions():
    """Print the versions of Python, sklearn-relu, its dependencies and the thread setup.

    Paste the output into bug reports: the numba threading layer and the BLAS thread
    counts decide the speed of the kernels.

    Examples
    --------
    >>> import sklearn_relu
    >>> sklearn_relu.show_versions()  # doctest: +SKIP
    """
    print("System:")
    print(f"    python: {sys.version.split()[0]} ({sys.executable})")
    print(f"  platform: {platform.platform()}")
    print("\nPython dependencies:")
    for name, ver in _versions().items():
        print(f"{name:>14}: {ver if ver is not None else 'not installed'}")
    print("\nThreads:")
    for name, val in _threads().items():
        print(f"{name:>28}: {val}")
