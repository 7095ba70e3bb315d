"""An upload zip written member by member to disk, moved into place whole at the end."""

from __future__ import annotations

import contextlib
import io
import pathlib
import zipfile
from collections.abc import Callable, Iterable, Iterator

from ...writers.atomic import atomic_file

STAMP = (2020, 1, 1, 0, 0, 0)  # every member's date: a zip's bytes depend on its content only


@contextlib.contextmanager
def zip_out(path: pathlib.Path) -> Iterator[Callable[[str, bytes], None]]:
    """``add(name, data)`` for each member (names UTF-8 flagged when not ASCII)."""
    with atomic_file(path, binary=True) as handle, \
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(name: str, data: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(name, date_time=STAMP), data,
                             compress_type=zipfile.ZIP_DEFLATED)
        yield add


def zip_bytes(members: Iterable[tuple[str, bytes]]) -> bytes:
    """A small zip in memory (one student's: their notebook and feedback.html)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=STAMP), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
