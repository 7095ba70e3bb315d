"""Every output file is written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import pathlib
import tempfile
from collections.abc import Iterator
from typing import IO, Any


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Write ``text`` (str, or bytes for a binary file such as a zip) whole or not at all
    (see :func:`atomic_file`)."""
    with atomic_file(path, binary=isinstance(text, bytes)) as handle:
        handle.write(text)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], binary: bool = False) -> Iterator[IO[Any]]:
    """A file to write ``path``'s new content into, in pieces (a large gradebook need not be
    held in memory): a temporary file beside it, renamed over it when the block ends. When
    the block fails (a full disk, say), the temporary file is removed and the error raised:
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
