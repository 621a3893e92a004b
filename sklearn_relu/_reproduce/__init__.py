"""``python -m sklearn_relu reproduce <paper>``: each paper's experiment at laptop scale.

Each module of this package reproduces one paper: ``TITLE``, ``CLAIM`` and
``run(out_dir, quick, seed) -> dict`` (prints a table, writes PNG figures into
``out_dir`` and returns the numbers, which are also written as ``<paper>.json``).
The experiments over data are :func:`sklearn_relu.experiments.sweep` calls: such a
module's ``spec(quick, seed)`` returns the sweep's arguments (for sbg21, one per
dataset), and ``run`` turns the sweep's records into the paper's table; the claim
checks are in ``tests/test_reproduce.py``. gkmr21 measures the cost of the search
against its resolution on fixed instances, which is not a sweep over data.
"""

import importlib
import os
import time

from ._common import write_json

# paper key -> (module, aliases)
PAPERS = {
    "gv25": ("gv25", ("single-neuron", "sq")),
    "gla24": ("gla24", ("xor",)),
    "dklps24": ("dklps24", ("giant-step",)),
    "sbg21": ("sbg21", ("leaky",)),
    "gkmr21": ("gkmr21", ("proper",)),
}


def available():
    """``{key: module}`` for every paper whose reproduction module exists."""
    out = {}
    for key, (mod, _) in PAPERS.items():
        try:
            out[key] = importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{mod}":
                raise
    return out


def resolve(name):
    """Paper key for a key or an alias."""
    for key, (_, aliases) in PAPERS.items():
        if name == key or name in aliases:
            return key
    raise ValueError(f"unknown paper {name!r}; choose from {choices()}")


def choices():
    return [k for k in PAPERS] + [a for _, (_, al) in PAPERS.items() for a in al] + ["all"]


def reproduce(name, out_dir="reproduce_out", quick=False, seed=0):
    """Run one reproduction (or ``"all"``); returns ``{key: result}``."""
    os.makedirs(out_dir, exist_ok=True)
    mods = available()
    keys = list(mods) if name == "all" else [resolve(name)]
    results = {}
    for key in keys:
        if key not in mods:
            raise ValueError(f"the reproduction of {key!r} is not available in this version")
        mod = mods[key]
        print(f"\n=== {key}: {mod.TITLE} ===")
        print(f"claim: {mod.CLAIM}\n")
        t0 = time.perf_counter()
        res = mod.run(out_dir, quick=quick, seed=seed)
        res["seconds"] = time.perf_counter() - t0
        res["quick"] = quick
        res["json"] = write_json(res, out_dir, key)
        print(f"\nresult: {res['summary']}")
        print(
            f"figures: {', '.join(res['figures'])}\nnumbers: {res['json']} ({res['seconds']:.1f} s)"
        )
        results[key] = res
    return results
