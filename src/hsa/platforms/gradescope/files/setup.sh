#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the grading image: bubblewrap where missing, then
# a virtual environment with what grading needs (requirements.txt, pinned) and the hsa wheel
# beside this file, which the sandbox's unprivileged user must be able to run. Tested with
# Gradescope's default image (Ubuntu 22.04, python3 3.10) and Pythons 3.10 to 3.13.
# AUTOGRADER_ROOT and HSA_PYTHON let the local harness choose a temporary root and a Python.
set -euo pipefail
umask 022  # the sandbox's user reads what this installs
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PYTHON="${HSA_PYTHON:-python3}"
WHEEL="$(echo "$SOURCE"/hidden_state_activation-*.whl)"

fail() { echo "setup.sh: $*" >&2; exit 1; }
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_install() {
    can_apt || fail "$* is missing and cannot be installed here (that needs root and apt-get); add it to the image"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
}
# Does Python code $1, run by "${@:2}", print for the sandbox's user (as the process-user
# isolation runs the worker) what it prints for root? Exec alone proves little: where the
# interpreter's libpython or standard library is unreadable, the system's may stand in.
WHICH='import os, sys; print(sys.version, sys.prefix, os.__file__)'
sandbox_user_agrees() {
    local code=$1 mine; shift
    [ "$(id -u)" != 0 ] && return 0
    mine="$("$@" -c "$code")" && [ -n "$mine" ] && [ "$mine" = "$(cd / && setpriv \
        --reuid=$SANDBOX_UID --regid=$SANDBOX_UID --clear-groups "$@" -c "$code" 2>/dev/null)" ]
}

# The oldest Python hsa runs on is the wheel's Requires-Python (pyproject.toml's), read with the
# standard library alone so that an older Python can still say so.
MIN_PYTHON="$("$PYTHON" -c 'import email, sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
meta = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")][0]
print(email.message_from_bytes(wheel.read(meta))["Requires-Python"].lstrip(">="))' "$WHEEL" 2>/dev/null)" || fail "$PYTHON cannot read $WHEEL; is python3 installed?"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < tuple(map(int, sys.argv[1].split("."))))' "$MIN_PYTHON" 2>/dev/null || fail "hsa needs Python $MIN_PYTHON or newer; $PYTHON is $("$PYTHON" --version 2>&1 || echo missing). Choose a base image with a newer Python (Gradescope's default, Ubuntu 22.04, has 3.10)."
# The uid setup checks the sandbox's user with: hsa.sandbox.uids.PROBE_UID, never a submission's.
SANDBOX_UID="$(PYTHONPATH="$WHEEL" "$PYTHON" -c 'from hsa.sandbox.uids import PROBE_UID; print(PROBE_UID)')"
PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"  # the interpreter, not a shim
VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
command -v bwrap >/dev/null 2>&1 || ! can_apt || apt_install bubblewrap
# libseccomp2: the system-call filter on student code (apt depends on it; a slimmed image may not)
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2 ' || ! can_apt || apt_install libseccomp2

# An interpreter under a folder that only root may enter (pyenv's under /root, say) is copied
# to $ROOT/python, less its site-packages and test suite, and told to find libpython there.
if ! sandbox_user_agrees "$WHICH" "$PYTHON"; then
    BASE="$("$PYTHON" -c 'import sys; print(sys.base_prefix)')"
    echo "setup.sh: the sandbox's user cannot read $PYTHON's installation; copying $BASE to $ROOT/python" >&2
    command -v patchelf >/dev/null 2>&1 || apt_install patchelf
    rm -rf "$ROOT/python" && mkdir -m 0755 -p "$ROOT/python"
    tar -C "$BASE" -cf - --exclude="./lib/python$VERSION/site-packages/*" \
        --exclude="./lib/python$VERSION/test" . | tar -C "$ROOT/python" -xf -
    chmod -R a+rX "$ROOT/python"
    PYTHON="$ROOT/python/bin/python$VERSION"
    patchelf --set-rpath '$ORIGIN/../lib' "$PYTHON"
fi

# Creating the environment is the proof that venv works (`venv --help` passes without ensurepip).
if ! "$PYTHON" -m venv --clear "$ROOT/venv" >/dev/null 2>&1; then
    apt_install python3-venv "python$VERSION-venv"
    "$PYTHON" -m venv --clear "$ROOT/venv"
fi
# requirements.txt is the complete dependency closure: --no-deps keeps Otter's own chain out.
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    -r "$SOURCE/requirements.txt" "$WHEEL"

sandbox_user_agrees "$WHICH; import numpy; print(numpy.__file__)" "$ROOT/venv/bin/python" -E -s || fail "the sandbox's user (uid $SANDBOX_UID) cannot run $ROOT/venv/bin/python and import numpy, so every submission would fail to run. Make $ROOT and the interpreter readable by all users (chmod a+rX), or use a base image whose Python is under /usr."
FILTER="$("$ROOT/venv/bin/python" -E -s -c 'from hsa.sandbox.seccomp import describe; print(describe())')"
echo "hsa autograder ready: $("$ROOT/venv/bin/hsa" --version), Python $VERSION ($PYTHON); system-call filter: $FILTER"
