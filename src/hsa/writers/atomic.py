"""Every output file is written whole or not at all."""

import contextlib
import os
import pathlib
import tempfile


def write_atomic(path, text):
    """Write ``text`` (str, or bytes for a binary file such as a zip) via a temporary file
    and rename, so an interrupted run never leaves half a file.
    When the write fails (a full disk, say), the temporary file is removed and the error
    raised: the file at ``path`` is as it was."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        binary = isinstance(text, bytes)
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8",
                       newline=None if binary else "") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
