"""Shared plumbing of the reproductions: progress display, tables, JSON, figures."""

import json
import math
import os

import numpy as np

from ..experiments._progress import Progress  # noqa: F401  (re-exported for the papers)


def medians(records, by, values):
    """Median of each of ``values`` over the records that share the ``by`` fields.

    ``records`` are a sweep's (``SweepResult.records``); returns ``{key: {value:
    median}}`` with ``key`` the tuple of the ``by`` fields, NaN ignored (NaN when all are).
    """
    groups = {}
    for r in records:
        groups.setdefault(tuple(r[b] for b in by), []).append(r)
    out = {}
    for key, rs in groups.items():
        out[key] = {}
        for v in values:
            x = np.array([np.nan if r[v] is None else r[v] for r in rs], dtype=float)
            out[key][v] = float(np.nanmedian(x)) if np.any(~np.isnan(x)) else float("nan")
    return out


def table(rows, columns, formats=None):
    """Print ``rows`` (list of dicts) as an aligned table; returns the text."""
    formats = formats or {}
    cells = [[_fmt(r.get(c), formats.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = [
        " ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)),
        " ".join("-" * w for w in widths),
    ]
    lines += [" ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    text = "\n".join(lines)
    print(text)
    return text


def _fmt(v, spec):
    if v is None:
        return "-"
    if spec:
        return format(v, spec)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if not math.isfinite(v) else v
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def write_json(result, out_dir, name):
    path = os.path.join(out_dir, f"{name}.json")
    with open(path, "w") as f:
        json.dump(_jsonable(result), f, indent=2)
    return path


def figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, out_dir, name):
    plt = figure()
    path = os.path.join(out_dir, f"{name}.png")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
