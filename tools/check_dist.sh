#!/usr/bin/env bash
# Release check: build the sdist and the wheel (the wheel from the sdist, so a file missing
# from the sdist breaks it), check their metadata, compare the wheel's contents with the
# source tree, then install the wheel into a fresh environment outside the checkout and use
# it from there (import, fit one estimator, the command line). Catches files missing from
# the package and imports that only work from the source tree.
#   tools/check_dist.sh            build into a temporary directory, removed at the end
#   tools/check_dist.sh OUTDIR     keep the sdist and the wheel in OUTDIR
# Needs `build` and `twine` (the `release` extra) and network access for the build backend
# and the wheel's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dist="${1:-$work/dist}"
mkdir -p "$dist"
rm -f "$dist"/sklearn_relu-*

python -m build --outdir "$dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
grep -iE "warning" "$work/build.log" | sort -u || true
twine check --strict "$dist"/*

# The wheel holds every module of the source tree, the license, and nothing else.
python - "$dist" "$root" <<'EOF'
import glob, os, sys, tarfile, zipfile

dist, root = sys.argv[1], sys.argv[2]
(whl,) = glob.glob(os.path.join(dist, "*.whl"))
(sdist,) = glob.glob(os.path.join(dist, "*.tar.gz"))
names = zipfile.ZipFile(whl).namelist()
src = {os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "sklearn_relu", "**", "*.py"),
                                                   recursive=True)}
missing = sorted(src - set(names))
extra = sorted(n for n in names if not n.startswith(("sklearn_relu/", "sklearn_relu-")))
licenses = [n for n in names if ".dist-info/" in n and os.path.basename(n) == "LICENSE"]
with tarfile.open(sdist) as tf:
    sdist_license = [n for n in tf.getnames() if n.endswith("/LICENSE")]
problems = []
if missing:
    problems.append(f"modules missing from the wheel: {missing}")
if extra:
    problems.append(f"files outside the package in the wheel: {extra}")
if not licenses:
    problems.append("LICENSE missing from the wheel's .dist-info")
if not sdist_license:
    problems.append("LICENSE missing from the sdist")
if problems:
    sys.exit("\n".join(problems))
pkgs = sorted({os.path.dirname(n) for n in names if n.endswith("__init__.py")})
print(f"{os.path.basename(whl)}: {os.path.getsize(whl) / 1024:.0f} KiB, {len(names)} files, "
      f"{len(src)} modules in {len(pkgs)} packages ({', '.join(pkgs)}), license {licenses[0]}")
print(f"{os.path.basename(sdist)}: {os.path.getsize(sdist) / 1024:.0f} KiB")
EOF

# A fresh environment outside the checkout: the wheel and its declared dependencies only.
python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet "$dist"/*.whl
cd "$work"
export NUMBA_CACHE_DIR="$work/numba_cache" MPLBACKEND=Agg
"$work/venv/bin/python" - "$work/venv" <<'EOF'
import sys

import numpy as np

import sklearn_relu
from sklearn_relu import GLMtronRegressor
from sklearn_relu.utils import all_estimators

venv = sys.argv[1]
assert sklearn_relu.__file__.startswith(venv), f"imported from {sklearn_relu.__file__}"
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 3))
y = np.maximum(X @ np.array([1.0, -0.5, 0.25]) + 0.1, 0.0)
est = GLMtronRegressor().fit(X, y)
r2 = est.score(X, y)
# noiseless ReLU data: measured R^2 = 1 - 1.3e-11 from the source tree
assert np.isfinite(est.predict(X)).all() and r2 > 0.999, r2
names = [n for n, _ in all_estimators()]
print(f"installed wheel: sklearn_relu {sklearn_relu.__version__} from {sklearn_relu.__file__}; "
      f"{len(names)} estimators; GLMtronRegressor R^2 = {r2:.3f}")
EOF
"$work/venv/bin/python" -m sklearn_relu --help >/dev/null
"$work/venv/bin/python" -m sklearn_relu reproduce --help >/dev/null
"$work/venv/bin/python" -c "
from sklearn_relu._demo import sections
from sklearn_relu._reproduce import PAPERS, available
assert set(available()) == set(PAPERS), (sorted(available()), sorted(PAPERS))
print('demo sections:', [n for n, _ in sections()], '| reproductions:', sorted(available()))"
echo "dist check passed"
