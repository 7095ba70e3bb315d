"""A local Gradescope: the zip's own setup.sh and run_autograder in Gradescope's layout.

Under a temporary root it lays out ``source/`` (the unpacked autograder zip),
``submission/`` and ``results/``, runs ``setup.sh`` once, then
``run_autograder`` per submission, and returns the ``results.json`` it wrote.
``without_bwrap=True`` puts a ``bwrap`` and an ``unshare`` that cannot create namespaces first
on the PATH, as in containers that forbid them, so the fallback isolation is
exercised too. ``python`` is the interpreter setup.sh builds on (its
``HSA_PYTHON``); by default the ``python3`` on the PATH, as on Gradescope.
"""

import functools
import json
import os
import pathlib
import shutil
import subprocess
import zipfile

from hsa_dev.requirements import SUPPORTED_PYTHONS
from hsa.exceptions import HarnessError

PYENV = pathlib.Path(os.environ.get("PYENV_ROOT", "/root/.pyenv"))
SYSTEM_PYTHON = pathlib.Path("/usr/bin/python3")  # as on Gradescope: the image's own Python
NO_NAMESPACES = {  # what a container that forbids namespaces answers (Docker's default seccomp)
    "bwrap": "#!/bin/sh\necho 'bwrap: Creating new namespace failed: Operation not permitted' >&2\nexit 1\n",
    "unshare": "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n",
}


def minor_version(python):
    """``"3.10"``, say; None where ``python`` does not run."""
    done = subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


@functools.lru_cache(maxsize=None)
def find_pythons():
    """Every supported Python on this machine that this user can run: pyenv's (under /root,
    so root's alone), then the system's ``python3``."""
    found = sorted(PYENV.glob("versions/3.*/bin/python3.*[0-9]")) if _readable(PYENV) else []
    if SYSTEM_PYTHON.exists():
        found.append(SYSTEM_PYTHON)
    return tuple(python for python in found if minor_version(python) in SUPPORTED_PYTHONS)


def _readable(folder):
    """True when this user may list ``folder`` (pyenv's under /root is not an ordinary user's)."""
    try:
        return folder.is_dir() and os.access(folder, os.R_OK | os.X_OK)
    except PermissionError:
        return False


class Harness:
    def __init__(self, zip_path, root, python=None):
        self.root = pathlib.Path(root)
        self.python = python
        self.source = self.root / "source"
        if self.root.exists():
            shutil.rmtree(self.root)
        self.source.mkdir(parents=True)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(self.source)
        for name in ("setup.sh", "run_autograder"):
            os.chmod(self.source / name, 0o755)

    def _env(self, without_bwrap=False):
        # Gradescope's environment: no virtual environment, no PYTHONPATH or other PYTHON*
        # variable (a developer's PYTHONPATH would let the venv import hsa from the clone).
        env = {name: value for name, value in os.environ.items()
               if name != "VIRTUAL_ENV" and not name.startswith("PYTHON")}
        env["AUTOGRADER_ROOT"] = str(self.root)
        if self.python:
            env["HSA_PYTHON"] = str(self.python)
        if without_bwrap:
            fake = self.root / "no-namespaces"
            fake.mkdir(exist_ok=True)
            for name, script in NO_NAMESPACES.items():
                (fake / name).write_text(script)
                os.chmod(fake / name, 0o755)
            env["PATH"] = f"{fake}:{env['PATH']}"
        return env

    def setup(self, timeout=1200):
        done = subprocess.run(["bash", str(self.source / "setup.sh")], env=self._env(),
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise HarnessError(f"setup.sh failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def run(self, *files, without_bwrap=False, timeout=600):
        """Grade what a student uploaded: ``files`` are paths, or ``(path, name)`` to
        upload a file under another name. Returns (results.json as a dict, run_autograder's
        stdout); HarnessError when run_autograder fails or writes no results."""
        for name in ("submission", "results"):
            shutil.rmtree(self.root / name, ignore_errors=True)
            (self.root / name).mkdir()
        for file in files:
            path, name = file if isinstance(file, tuple) else (file, pathlib.Path(file).name)
            shutil.copy(path, self.root / "submission" / name)
        done = subprocess.run([str(self.source / "run_autograder")], env=self._env(without_bwrap),
                              capture_output=True, text=True, timeout=timeout)
        results = self.root / "results" / "results.json"
        if done.returncode != 0 or not results.exists():
            raise HarnessError(f"run_autograder failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return json.loads(results.read_text()), done.stdout
