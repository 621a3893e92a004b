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
