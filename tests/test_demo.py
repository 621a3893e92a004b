"""The command line and the demo, at a tiny size."""

import subprocess
import sys

from sklearn_relu._demo import demo_estimators, run_demo


def test_demo_writes_table_and_png(tmp_path, capsys):
    out = tmp_path / "demo.png"
    rows = run_demo(out=str(out), biases=(0.0, -3.0), n_train=3000, n_test=3000, n_features=4)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    n_learners = len(demo_estimators(0)) + 1  # + the zero function
    assert len(rows) == 2 * n_learners
    printed = capsys.readouterr().out
    assert "ratio" in printed and str(out) in printed
    for r in rows:
        assert r["ratio"] > 0


def test_cli_help_lists_demo():
    res = subprocess.run([sys.executable, "-m", "sklearn_relu", "--help"],
                         capture_output=True, text=True, check=True)
    assert "demo" in res.stdout
