"""The output folder, checked before anyone is graded: a folder we can write, with room.

A run that finds out at the end that it cannot write (a file in the way, a
read-only disk, a full one) has thrown away every grade it made; so the folder
is made and tried at the start, and the free space compared with what the run
will write, estimated from the number of submissions it has not written yet.
"""

from __future__ import annotations

import errno
import os
import pathlib
import shutil
import tempfile

from ..exceptions import OutputUnusable

BYTES_PER_SUBMISSION = 64 << 10
"""A submission's folder, results.json and feedback.md take about 32 KB on disk: twice that."""
BYTES_PER_RUN = 2 << 20
"""gradebook.csv, report.html (its plot), the journal: the rest of a run."""
FULL = (errno.ENOSPC, errno.EDQUOT)


def room_needed(count: int) -> int:
    """Bytes the run of ``count`` submissions writes, with a margin."""
    return BYTES_PER_RUN + count * BYTES_PER_SUBMISSION


def unwritten(out: pathlib.Path, names: list[str]) -> int:
    """How many of the submissions ``names`` have no results.json in ``out`` yet. One that has
    holds its room already (a rerun writes it again in place), so a run stopped by a full disk
    and run again once some space is freed needs room for the rest only."""
    return sum(not (out / name / "results.json").exists() for name in names)


def check(out: str | os.PathLike[str], count: int) -> None:
    """Make ``out`` and try writing in it; OutputUnusable, with what to do, when it cannot hold
    the run of ``count`` submissions."""
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise OutputUnusable(f"the output folder {out} is a file; pass another --out, or move "
                             "the file away")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".hsa-probe-"):
            pass
    except OSError as error:
        raise OutputUnusable(f"the output folder {out} cannot be written ({_why(error)}); "
                             f"{_advice(error)}") from None
    free, needed = shutil.disk_usage(out).free, room_needed(count)
    if free < needed:
        raise OutputUnusable(f"the output folder {out} has {_mb(free)} free, and grading "
                             f"{count} submission(s) needs about {_mb(needed)}; free some space "
                             "there or pass another --out")


def _why(error: OSError) -> str:
    return os.strerror(error.errno) if error.errno else str(error)


def _advice(error: OSError) -> str:
    if error.errno == errno.EROFS:
        return "pass an --out on a disk you can write"
    if error.errno in FULL:
        return "free some space there or pass another --out"
    return "give yourself write permission there (chmod u+w) or pass another --out"


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB"


def is_full(error: BaseException) -> bool:
    """True when ``error`` says the disk (or the user's quota) is full."""
    return isinstance(error, OSError) and error.errno in FULL
