"""Temporary folders of a grader that was killed outright (``kill -9``, a power cut).

A run removes its own temporary folders however it ends, except when it is given
no chance: SIGKILL. Their names carry the pid of the run that made them, so the
next run removes those whose run is gone.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import tempfile

from ..sandbox.process import PROCESS_USER_SCRATCH, SCRATCH_PREFIX
from .layouts import DOWNLOAD_PREFIX

NAMED = re.compile(rf"^(?:{re.escape(DOWNLOAD_PREFIX)}|{re.escape(SCRATCH_PREFIX)})(\d+)-")


def sweep() -> int:
    """Remove the temporary folders of runs whose process is gone; how many were removed."""
    removed = 0
    for folder in (pathlib.Path(tempfile.gettempdir()), PROCESS_USER_SCRATCH):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            match = NAMED.match(entry.name)
            if match and entry.is_dir() and not _alive(int(match[1])):
                shutil.rmtree(entry, ignore_errors=True)
                removed += not entry.exists()
    return removed


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, killed and not yet reaped, runs no more)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
