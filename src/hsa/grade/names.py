"""Readable, safe, unique folder names for the submissions of one run.

A name is made from who the student is ("Zoë Ñúñez", 123456 -> ``zoe-nunez-123456``):
accents folded to their letter, anything but letters and digits turned into
``-``, letters of other scripts kept as they are. It is a single path
component on every common file system (no separators, no dots, no Windows
device name), and no two names of a run differ only in case.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

MAX_LENGTH = 64
FALLBACK = "submission"
# Letters that Unicode decomposition does not fold to ASCII.
_FOLD = str.maketrans({"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                       "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
                       "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i"})
_WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                              *(f"lpt{i}" for i in range(10))})


def slug(text: str) -> str:
    """``text`` as lower-case letters, digits, ``_`` and single ``-``; "" when nothing is left."""
    text = unicodedata.normalize("NFKD", str(text).translate(_FOLD))
    text = unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))
    text = re.sub(r"[\W]+", "-", text.lower()).strip("-_")
    return text[:MAX_LENGTH].rstrip("-_")


def hint(*parts: str | None) -> str:
    """A readable name from the parts that say who this is (name, id, path...), in order."""
    words = []
    for part in parts:
        word = slug(part) if part is not None else ""
        if word and word not in words:
            words.append(word)
    name = "-".join(words)
    if len(name) > MAX_LENGTH:  # keep the last part (the id) whole
        last = words[-1][:MAX_LENGTH // 2]
        name = name[:MAX_LENGTH - len(last) - 1].rstrip("-_") + "-" + last
    name = name.strip("-_") or FALLBACK
    return name + "-" if name in _WINDOWS_DEVICES else name


def unique(hints: Iterable[str]) -> list[str]:
    """The hints, in order, made unique (case-insensitively) with ``-2``, ``-3``..."""
    taken, names = set(), []
    for wanted in hints:
        name, n = wanted, 1
        while name.casefold() in taken:
            n += 1
            name = f"{wanted}-{n}"
        taken.add(name.casefold())
        names.append(name)
    return names
