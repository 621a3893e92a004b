"""The command line and the demo, at a tiny size."""

import subprocess
import sys

from sklearn_relu._demo import figure_path, sections
from sklearn_relu._demo.single_neuron import demo_estimators, run


def test_single_neuron_demo_writes_table_and_png(tmp_path, capsys):
    out = tmp_path / "demo.png"
    rows = run(out=str(out), biases=(0.0, -3.0), n_train=3000, n_test=3000, n_features=4)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    n_learners = len(demo_estimators(0)) + 1  # + the zero function
    assert len(rows) == 2 * n_learners
    printed = capsys.readouterr().out
    assert "ratio" in printed and str(out) in printed
    for r in rows:
        assert r["ratio"] > 0


def test_sections_are_ordered_and_complete():
    secs = sections()
    assert secs[0][0] == "single_neuron"
    orders = [m.ORDER for _, m in secs]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    for _, mod in secs:
        assert callable(mod.run) and mod.TITLE


def test_figure_paths_are_distinct():
    paths = {figure_path("a/demo.png", n, i == 0) for i, (n, _) in enumerate(sections())}
    assert len(paths) == len(sections())
    assert figure_path("a/demo.png", "xor", False) == "a/demo_xor.png"


def test_cli_help_lists_demo():
    res = subprocess.run(
        [sys.executable, "-m", "sklearn_relu", "--help"], capture_output=True, text=True, check=True
    )
    assert "demo" in res.stdout
