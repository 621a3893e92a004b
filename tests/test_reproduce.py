"""``python -m sklearn_relu reproduce <paper> --quick``: every reproduction runs in CI,
writes its figures and JSON, and its numbers show the paper's claim.
"""

import itertools
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
    "dklps24": lambda r: _giant_step_claims(r),
    # small init clusters (coherence ~1) and is its linear surrogate; large init does not
    "sbg21": lambda r: (
        r["rows"][0]["coherence"] > 0.99 > 0.8 > r["rows"][1]["coherence"]
        and r["rows"][0]["agreement"] >= 0.99
        and all(row["violations"] == 0 for row in r["rows"])
    ),
    # cost grows geometrically with the resolution; colourable instances fit, triangles do not
    "gkmr21": lambda r: (
        all(
            a["candidates"] < b["candidates"]
            for a, b in itertools.pairwise(r["rows"])
            if a["k"] == b["k"]
        )
        and max(c["colorable_mse"] for c in r["colouring"])
        < min(c["triangle_mse"] for c in r["colouring"])
    ),
}


def _giant_step_claims(r):
    rows, top = r["rows"], max(r["settings"]["ratios"])
    low = min(r["settings"]["ratios"])

    def at(kind, T, kappa):
        return next(
            x for x in rows if x["target"] == kind and x["T"] == T and x["log_n_log_d"] == kappa
        )

    staircase = (
        at("stair2", 0, top)["test_mse"]
        > at("stair2", 1, top)["test_mse"]
        > at("stair2", 2, top)["test_mse"]
        and at("stair2", 2, top)["sv2"] > at("stair2", 1, top)["sv2"]
    )
    level = r["settings"]["d"] ** -0.5
    no_second_direction = all(
        at("h124", T, low)["sv2"] < 1.5 * level for T in r["settings"]["steps"]
    )
    rf_above_line = all(x["test_mse"] >= x["linear_line"] for x in rows if x["T"] == 0)
    return staircase and no_second_direction and rf_above_line


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


def test_every_paper_has_a_reproduction():
    assert set(available()) == set(PAPERS)


def test_aliases_and_unknown_names():
    assert resolve("xor") == "gla24" and resolve("gla24") == "gla24"
    assert "all" in choices()
    with pytest.raises(ValueError, match="unknown paper"):
        resolve("nope")


def test_cli_lists_commands_and_papers():
    res = subprocess.run(
        [sys.executable, "-m", "sklearn_relu", "reproduce", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"COLUMNS": "200"},
    )
    for key in PAPERS:
        assert key in res.stdout
    top = subprocess.run(
        [sys.executable, "-m", "sklearn_relu", "--help"], capture_output=True, text=True, check=True
    )
    assert "reproduce" in top.stdout and "demo" in top.stdout
