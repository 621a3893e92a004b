"""Argument checks shared by every generator (clear TypeError/ValueError naming the function)."""

import math
import numbers

import numpy as np


def _check_int(name, value, min_value, func):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{func}: {name} must be an integer, got {value!r} of type {type(value).__name__}."
        )
    value = int(value)
    if value < min_value:
        raise ValueError(f"{func}: {name} must be >= {min_value}, got {value}.")
    return value


def _check_real(
    name, value, func, *, low=None, low_closed=True, high=None, high_closed=True, why=""
):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{func}: {name} must be a real number, got {value!r} of type {type(value).__name__}."
        )
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{func}: {name} must be finite, got {value}.")
    bad_low = low is not None and (value < low if low_closed else value <= low)
    bad_high = high is not None and (value > high if high_closed else value >= high)
    if bad_low or bad_high:
        parts = []
        if low is not None:
            parts.append(f"{'>=' if low_closed else '>'} {low:g}")
        if high is not None:
            parts.append(f"{'<=' if high_closed else '<'} {high:g}")
        raise ValueError(f"{func}: {name} must be {' and '.join(parts)}{why}, got {value:g}.")
    return value


def _unit_vector(rng, d, orthogonal_to=None):
    """Uniform on the unit sphere of R^d (or of the complement of a unit vector)."""
    while True:
        g = rng.standard_normal(d)
        if orthogonal_to is not None:
            g -= (g @ orthogonal_to) * orthogonal_to
        norm = np.linalg.norm(g)
        if norm > 1e-12:
            return g / norm
