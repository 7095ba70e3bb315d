"""A platform's CSV export read record by record, each field's place in the text kept, so
that a filled-in copy changes only the cells written and every other byte stays as the
platform wrote it (its delimiter, quoting, line endings, byte-order mark, numbers).

A record is read as text with its line ending; a field's value is parsed as RFC 4180
has it (Ruby's CSV and PHP's fgetcsv, which Canvas and Moodle read with, agree on that).
Records are streamed: a class of any size is never held whole.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
from collections.abc import Iterator, Mapping

from ...exceptions import RosterError
from ...writers.spreadsheet import neutralised

BOM = "\ufeff"
DELIMITERS = (",", ";")
NEEDS_QUOTES = re.compile(r'["\r\n]')


@dataclasses.dataclass(frozen=True)
class Record:
    """One record: its text as in the file (line ending included), its fields' values and
    where each field's text lies in it."""
    raw: str
    values: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    def get(self, index: int | None) -> str:
        """The value of field ``index``; "" where the record is shorter, or no index."""
        return self.values[index] if index is not None and index < len(self.values) else ""


def read_lines(path: pathlib.Path) -> Iterator[str]:
    """The file's lines, endings kept (``\\r\\n``, ``\\n``, ``\\r``); RosterError when it is
    not UTF-8 text."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            yield from handle
    except UnicodeDecodeError:
        raise RosterError(f"{path} is not UTF-8 text: export it again from the platform "
                          "(Canvas: Grades, Export; Moodle: Download grading worksheet), "
                          "without opening it in a spreadsheet first") from None
    except OSError as error:
        raise RosterError(f"{path} cannot be read ({error.strerror})") from None


def records(path: pathlib.Path, delimiter: str) -> Iterator[Record]:
    """The file's records, in order; a quoted field may hold line breaks."""
    pending = ""
    for line in read_lines(path):
        pending += line
        if pending.count('"') % 2 == 0:
            yield parse(pending, delimiter)
            pending = ""
    if pending:
        yield parse(pending, delimiter)


def parse(raw: str, delimiter: str) -> Record:
    """A record's fields: their values and spans (a span leaves out the delimiter)."""
    end = len(raw.rstrip("\r\n"))
    values, spans, at = [], [], 1 if raw.startswith(BOM) else 0
    while True:
        start = at
        if raw.startswith('"', at):
            close = at + 1
            while (close := raw.find('"', close)) != -1 and raw.startswith('""', close):
                close += 2
            close = end if close == -1 else close
            value = raw[at + 1:close].replace('""', '"')
            at = close + 1
            stop = raw.find(delimiter, at, end)
            stop = end if stop == -1 else stop
            value += raw[at:stop]
        else:
            stop = raw.find(delimiter, at, end)
            stop = end if stop == -1 else stop
            value = raw[at:stop]
        values.append(value)
        spans.append((start, stop))
        if stop >= end:
            return Record(raw, tuple(values), tuple(spans))
        at = stop + len(delimiter)


def delimiter_of(path: pathlib.Path) -> str:
    """``,`` or ``;``, the way Canvas's importer decides (lib/gradebook_importer.rb,
    ``identify_delimiter``): the one that splits the first three lines into the same number
    of fields, the larger number when both do."""
    lines = []
    for line in read_lines(path):
        lines.append(line)
        if len(lines) == 3:
            break
    counts = {}
    for delimiter in DELIMITERS:
        fields = {len(parse(line, delimiter).values) for line in lines}
        counts[delimiter] = fields.pop() if len(fields) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def quoted(value: str, delimiter: str) -> str:
    """A field's text for ``value``, quoted only where the value needs it."""
    if delimiter in value or NEEDS_QUOTES.search(value) or value != value.strip(" "):
        return '"' + value.replace('"', '""') + '"'
    return value


def replaced(record: Record, cells: Mapping[int, str], delimiter: str) -> str:
    """The record's text with the fields at ``cells``' indexes replaced (text neutralised
    against spreadsheet formulas, a number left a number); every other byte as it was."""
    raw = record.raw
    for index in sorted(cells, reverse=True):
        start, stop = record.spans[index]
        raw = raw[:start] + quoted(neutralised(cells[index]), delimiter) + raw[stop:]
    return raw


def unsafe_cells(record: Record, columns: tuple[int, ...]) -> dict[int, str]:
    """The cells among ``columns`` that a spreadsheet would run as a formula, to be
    rewritten neutralised (the others are left byte for byte)."""
    return {i: record.values[i] for i in columns
            if i < len(record.values) and neutralised(record.values[i]) != record.values[i]}


def number_like(value: float, example: str) -> str:
    """``value`` written as the platform wrote ``example`` (its decimals, its decimal
    separator): ``12.5`` like ``15,00`` is ``12,50``; more decimals only where needed."""
    separator = "," if "," in example else "."
    decimals = len(example.strip().rpartition(separator)[2]) if separator in example else 0
    text = f"{value:.{decimals}f}"
    if float(text) != value:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", separator)
