"""One ``hsa grade`` at a time per output folder.

Two runs into one folder would overwrite each other's results.json and
feedback.md, so a student's files could disagree with their gradebook row. The
lock is ``flock`` on a file in the folder: the kernel releases it whenever its
process ends, however (kill -9 included), so a lock left by a dead run is
simply taken; the file keeps who holds it, for the message.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import fcntl
import os
import pathlib
from typing import Callable, Iterator

from ..exceptions import OutputBusy

LOCK = ".hsa-grade.lock"


@contextlib.contextmanager
def locked(out: pathlib.Path, wait: bool = False,
           say: Callable[[str], object] = print) -> Iterator[None]:
    """Hold ``out``'s lock for the block. When another run holds it: OutputBusy naming that
    run's process, or with ``wait``, wait for it to end."""
    path = out / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        if not _try_lock(fd):
            holder = _holder(fd)
            if not wait:
                raise OutputBusy(f"{out} is being written by another hsa grade ({holder}); wait "
                                 "for it to finish, or run again with --wait to start after it")
            say(f"waiting for the other hsa grade writing into {out} ({holder}) to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        started = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        os.pwrite(fd, f"process {os.getpid()}, started {started}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _holder(fd: int) -> str:
    text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    return text or "process unknown"
