"""Every output file is written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import pathlib
import tempfile
from collections.abc import Iterator
from typing import IO


def write_atomic(path: str | os.PathLike, text: str | bytes) -> None:
    """Write ``text`` (str, or bytes for a binary file such as a zip) via a temporary file
    and rename, so an interrupted run never leaves half a file.
    When the write fails (a full disk, say), the temporary file is removed and the error
    raised: the file at ``path`` is as it was."""
    with atomic_file(path, binary=isinstance(text, bytes)) as handle:
        handle.write(text)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, binary: bool = False) -> Iterator[IO]:
    """A file to write at ``path`` piece by piece (a zip, a CSV of the whole class, never
    held in memory), moved into place when the block ends; on an error it is removed and
    the file at ``path`` is as it was."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8",
                       newline=None if binary else "") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
