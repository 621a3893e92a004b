"""``python -m sklearn_relu reproduce <paper> --quick``: every reproduction runs in CI,
writes its figures and JSON, and its numbers show the paper's claim."""

import json
import os
import subprocess
import sys

import pytest

from sklearn_relu._reproduce import PAPERS, available, choices, reproduce, resolve

# what each quick run must show (the paper's claim at small size)
CLAIM_CHECKS = {
    "gv25": lambda r: r["rows"][-1]["SQ"] < 2.5 < 4 < r["rows"][-1]["GD"],
    "gla24": lambda r: all(row["per_dlnd"] <= 12 for row in r["rows"]),
    # small init clusters (coherence ~1) and is its linear surrogate; large init does not
    "sbg21": lambda r: (r["rows"][0]["coherence"] > 0.99 > 0.8 > r["rows"][1]["coherence"]
                        and r["rows"][0]["agreement"] >= 0.99
                        and all(row["violations"] == 0 for row in r["rows"])),
    # cost grows geometrically with the resolution; colourable instances fit, triangles do not
    "gkmr21": lambda r: (all(a["candidates"] < b["candidates"]
                             for a, b in zip(r["rows"], r["rows"][1:]) if a["k"] == b["k"])
                         and max(c["colorable_mse"] for c in r["colouring"])
                         < min(c["triangle_mse"] for c in r["colouring"])),
}


@pytest.mark.parametrize("key", sorted(available()))
def test_quick_reproduction(key, tmp_path):
    res = reproduce(key, out_dir=str(tmp_path), quick=True)[key]
    with open(tmp_path / f"{key}.json") as f:
        saved = json.load(f)
    assert saved["paper"] == key and saved["claim"] and saved["summary"]
    for fig in res["figures"]:
        with open(fig, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert key in CLAIM_CHECKS, f"add a claim check for {key}"
    assert CLAIM_CHECKS[key](res), res["rows"]


def test_aliases_and_unknown_names():
    assert resolve("xor") == "gla24" and resolve("gla24") == "gla24"
    assert "all" in choices()
    with pytest.raises(ValueError, match="unknown paper"):
        resolve("nope")


def test_cli_lists_commands_and_papers():
    res = subprocess.run([sys.executable, "-m", "sklearn_relu", "reproduce", "--help"],
                         capture_output=True, text=True, check=True,
                         env=os.environ | {"COLUMNS": "200"})
    for key in PAPERS:
        assert key in res.stdout
    top = subprocess.run([sys.executable, "-m", "sklearn_relu", "--help"],
                         capture_output=True, text=True, check=True)
    assert "reproduce" in top.stdout and "demo" in top.stdout
