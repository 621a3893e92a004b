#!/usr/bin/env bash
# Apply the linter's safe fixes and the formatter to the whole tree, then list what is left
# for a human (the findings ruff cannot fix safely). Run from anywhere; uses pyproject.toml.
#   tools/lint_fix.sh          fix + format, then report the remaining findings
#   tools/lint_fix.sh --check  change nothing; exit non-zero if a fix or reformat is due
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--check" ]]; then
    ruff check .
    ruff format --check .
    exit
fi
ruff check --fix --silent --exit-zero .   # safe fixes only: import order, docstring closing quotes
ruff format .
ruff check --fix --silent --exit-zero .   # once more: formatting can regroup imports
echo "--- left for manual fixes (ruff check):"
ruff check --output-format concise . || true
