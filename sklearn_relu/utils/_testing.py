"""Assertions shared by the tests."""

import numpy as np


def assert_allclose_scaled(actual, desired, rtol=1e-10, err_msg=""):
    """``|actual - desired| <= rtol * max|desired|`` elementwise.

    A relative tolerance measured against the largest entry, so entries that are
    (nearly) zero are compared on the array's own scale, not to their own, which
    rounding differences between machines, BLAS builds or thread counts would break.
    """
    actual, desired = np.asarray(actual, dtype=float), np.asarray(desired, dtype=float)
    scale = float(np.abs(desired).max(initial=0.0))
    np.testing.assert_allclose(
        actual, desired, rtol=0, atol=rtol * scale if scale > 0 else rtol, err_msg=err_msg
    )


def blas_thread_counts():
    """The thread count of every BLAS library threadpoolctl sees (empty if none)."""
    from threadpoolctl import threadpool_info

    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def spy_blas_threads(monkeypatch, owner, name):
    """Wrap ``owner.<name>`` (through ``monkeypatch``) so that each call records
    :func:`blas_thread_counts`; returns the list the records go to.
    """
    seen = []
    inner = getattr(owner, name)

    def spy(*args, **kwargs):
        seen.append(blas_thread_counts())
        return inner(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return seen


def assert_blas_on_one_thread(seen, what):
    """Every record of :func:`spy_blas_threads` shows one thread per BLAS library; the
    spy on ``what`` must have been reached. Skips when threadpoolctl sees no BLAS.
    """
    import pytest

    assert seen, f"the spy on {what} was never called"
    if not seen[0]:
        pytest.skip("no BLAS library seen by threadpoolctl")
    assert all(counts == [1] * len(counts) for counts in seen), seen
