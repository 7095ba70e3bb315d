#!/usr/bin/env bash
# Gradescope runs this once to build the grading image. It installs Python and bubblewrap
# where missing, then a virtual environment with every dependency pinned and the hsa wheel
# that sits beside this file. AUTOGRADER_ROOT lets the local harness use a temporary root.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PYTHON="${HSA_PYTHON:-python3}"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    missing=""
    command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
    "$PYTHON" -m venv --help >/dev/null 2>&1 || missing="$missing python3-venv"
    if [ -n "$missing" ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq $missing
    fi
fi
"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "hsa needs Python 3.11 or newer"'

"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$SOURCE/requirements.txt"
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$SOURCE"/hidden_state_activation-*.whl
echo "hsa autograder ready: $("$ROOT/venv/bin/hsa" --version)"
