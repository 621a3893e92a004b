"""``python -m sklearn_relu demo``: one short section per paper.

Each module of this package is one section with ``ORDER`` (position), ``TITLE`` and
``run(out, seed)`` (fits on built-in synthetic data, prints a table, writes the PNG ``out``
and returns the table rows as a list of dicts). New families add a module; nothing here
changes.
"""

import importlib
import os
import pkgutil
import time
import warnings


def sections():
    """The demo sections, in order: ``[(name, module), ...]``."""
    mods = [
        (info.name, importlib.import_module(f"{__name__}.{info.name}"))
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    return sorted(mods, key=lambda nm: nm[1].ORDER)


def warm_up(*fits):
    """Call each of ``fits`` (untimed fits on a small sample), so that numba's kernels are
    compiled, or loaded from its cache, before a section times anything; say how long
    that took and that the table's fit times exclude it.
    """
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fit in fits:
            fit()
    print(
        f"kernels compiled or loaded from the cache in {time.perf_counter() - t0:.1f} s; "
        "the fit times below exclude it"
    )


def figure_path(out, name, first):
    """The first section writes ``out``; the others write ``<stem>_<section>.png`` beside it."""
    if first:
        return out
    stem, ext = os.path.splitext(out)
    return f"{stem}_{name}{ext or '.png'}"


def run_demo(out="sklearn_relu_demo.png", seed=0, only=None):
    """Run every section (or those named in ``only``); returns ``{section: rows}``."""
    results = {}
    if os.path.dirname(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
    chosen = [(n, m) for n, m in sections() if only is None or n in only]
    for i, (name, mod) in enumerate(chosen):
        print(f"\n=== {mod.TITLE} ===\n")
        t0 = time.perf_counter()
        results[name] = mod.run(out=figure_path(out, name, i == 0), seed=seed)
        print(f"[{name}: {time.perf_counter() - t0:.1f} s]")
    return results
