"""A plain folder: every notebook and export zip below it is a submission, its path the identity."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

from ...outcomes import Layout
from ...trusted.choice import Expected, name_key
from ...trusted.submission import files_under
from .. import names
from .records import Submission


def plain_record(file: pathlib.Path, path: str, hint: str) -> Submission:
    return Submission(name=hint, layout=Layout.PLAIN, path=path, file=file)


def read(root: pathlib.Path, rel: Callable[[pathlib.Path], str],
         assignment: Expected) -> list[Submission]:
    """Every notebook and export zip below ``root``; the path is the identity."""
    records: list[Submission] = []
    for p in files_under(root):
        if p.suffix not in (".ipynb", ".zip"):
            continue
        parts = list(p.relative_to(root).with_suffix("").parts)
        if len(parts) > 1 and name_key(parts[-1]) == name_key(assignment.name):
            parts.pop()  # alice/hidden_state_activation.ipynb is alice's
        records.append(plain_record(p, rel(p), names.hint("-".join(parts))))
    return records
