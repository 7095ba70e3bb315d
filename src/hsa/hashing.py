"""sha256 of files, streamed (a submission may be large); works on Python 3.10."""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _hashlib import HASH

CHUNK = 1 << 20


def file_digest(path: str | os.PathLike[str]) -> HASH:
    """The sha256 object of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of the file at ``path``."""
    return file_digest(path).hexdigest()
