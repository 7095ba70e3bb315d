"""Every CSV hsa writes goes through here, so that no cell runs as a formula when a grader
opens the file in a spreadsheet.

OWASP's advice on CSV injection: a cell that begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is read as a formula (or its start) by Excel, LibreOffice and
Google Sheets; prefix it with a single quote, which shows the text as it is. A number
keeps its sign and stays a number (``-3``, ``+2.5``, ``-12,5`` as Moodle writes it in
German): only text is changed, so a student named ``-Ann`` or a file
``@SUM(1+1)x.ipynb`` is neutralised and a score never is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def neutralised(value: object) -> str:
    """``value`` as a cell's text, with a leading ``'`` when it is text that starts a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """``csv.writer``, each cell neutralised (the only CSV writer hsa uses)."""

    def __init__(self, handle: IO[str], lineterminator: str = "\r\n") -> None:
        """``lineterminator``: csv's own default, or ``"\\n"`` where a reader wants Unix's."""
        self._writer = csv.writer(handle, lineterminator=lineterminator)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralised(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
