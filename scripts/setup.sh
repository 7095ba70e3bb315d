#!/usr/bin/env bash
# Set up a fresh clone: system prerequisite (bubblewrap), a virtual environment in .venv,
# and this package with every dependency pinned (constraints.txt). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
MIN_PYTHON="$(sed -n 's/^requires-python = ">=\(.*\)"$/\1/p' pyproject.toml)"  # its one home
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < tuple(map(int, sys.argv[1].split("."))))' \
        "$MIN_PYTHON" 2>/dev/null; then
    echo "setup: Python $MIN_PYTHON or newer is needed (found: $("$PYTHON" --version 2>&1 || echo none))." >&2
    echo "setup: install it, or point PYTHON=/path/to/python3.11 at one." >&2
    exit 1
fi

if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing bubblewrap (sandbox for student code)" >&2
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
    else
        echo "setup: bubblewrap (bwrap) is missing: grading will refuse to run student code." >&2
        echo "setup: install it with: sudo apt-get install bubblewrap" >&2
    fi
fi

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
echo "setup: ready (.venv/bin/hsa, .venv/bin/pytest)" >&2
