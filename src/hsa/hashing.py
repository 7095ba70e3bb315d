"""sha256 of files, streamed (a submission may be large); works on Python 3.10."""

import hashlib

CHUNK = 1 << 20


def file_digest(path):
    """The sha256 object of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest


def sha256_file(path):
    """The hex sha256 of the file at ``path``."""
    return file_digest(path).hexdigest()
