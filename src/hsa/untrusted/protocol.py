"""Plain-data messages between the trusted grader and the sandboxed worker.

One message is one line of JSON. Arrays travel as ``.npy`` bytes (base64) and
are read back with ``allow_pickle=False``, so nothing the student's process
sends can run code on the trusted side. This module is also mounted into the
sandbox, so it imports only the standard library and numpy.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import math
import re
from typing import Any, overload

import numpy as np

# What the worker tells the grader, in a message's "event" field, in the order it can come:
START = "start"    # a cell begins: {"event", "cell"}
DONE = "done"      # a cell ended: {"event", "cell", "error" (None or an ERROR), "background"}
READY = "ready"    # every cell ran: {"event", "defined": {graded name: FUNCTION, MISSING or a type}}
RESULT = "result"  # a graded call ended: {"event", "value" or "error", "reached", "nested",
#                    "args_after"}
FUNCTION = "function"  # a graded name the notebook defined as something callable
MISSING = "missing"    # a graded name the notebook never defined

Message = dict[str, Any]  # one message: a JSON object, its values whatever the other side sent

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
MAX_ITEMS = 10_000
MAX_DEPTH = 8


class ProtocolError(Exception):
    """A message from the sandbox could not be read as plain data."""


@dataclasses.dataclass(frozen=True)
class Raised:
    """An error the student's code raised, as data (a message's "error"), kept so to the
    feedback. Student code can forge it: it shapes wording, never a score."""
    type: str
    message: str  # the last line of what it says
    line: int | None = None  # the line of its cell where it was raised, where one was
    name: str | None = None  # the name or module a NameError or ImportError missed

    @classmethod
    def read(cls, data: object) -> Raised:
        """From a message's "error", whatever its shape (it comes from the sandbox)."""
        if not isinstance(data, dict):
            return cls("Error", str(data)[:500])
        line, name = data.get("line"), data.get("name")
        return cls(str(data.get("type"))[:60], str(data.get("message"))[:500],
                   line if type(line) is int else None, name[:200] if isinstance(name, str) else None)

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


def encode(value: object, depth: int = 0) -> dict[str, Any]:
    """Turn a value into JSON-able plain data, tagged with its kind."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        return {"t": "ndarray", "npy": _npy(value)}
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        return {"t": "npscalar", "npy": _npy(np.asarray(value))}
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63:
            return {"t": "opaque", "type": "int"}
        return {"t": "plain", "v": value if not isinstance(value, str) else value[:1000]}
    if value is Ellipsis:
        return {"t": "ellipsis"}
    if isinstance(value, (list, tuple)) and depth < MAX_DEPTH and len(value) <= MAX_ITEMS:
        return {"t": type(value).__name__, "items": [encode(v, depth + 1) for v in value]}
    return {"t": "opaque", "type": type(value).__name__[:60]}


def _npy(array: np.ndarray) -> str:
    if array.dtype.kind in "biufc" and array.dtype.byteorder in "=<|" and array.flags.c_contiguous:
        raw = _simple_npy(array)  # what np.save writes, without its general writer
    else:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        raw = buffer.getvalue()
    return base64.b64encode(raw).decode("ascii")


def _simple_npy(array: np.ndarray) -> bytes:
    """The .npy bytes (format 1.0) of a C-ordered little-endian array of numbers, as np.save
    writes them: the header padded with spaces to a multiple of 64 bytes, then the data."""
    header = (f"{{'descr': '{array.dtype.str}', 'fortran_order': False, "
              f"'shape': {tuple(array.shape)!r}, }}")
    if array.shape:  # room for the first axis to grow to 21 digits, as numpy leaves
        header += " " * (21 - len(repr(array.shape[0])))
    header += " " * (-(len(header) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1") \
        + array.tobytes()


def decode(data: Any, depth: int = 0) -> Any:
    """Rebuild a value from :func:`encode`'s plain data; raise ProtocolError if malformed."""
    try:
        kind = data["t"]
        if kind == "ndarray":
            return _load(data["npy"])
        if kind == "npscalar":
            return _load(data["npy"])[()]
        if kind == "plain" and (data["v"] is None or isinstance(data["v"], (bool, int, float, str))):
            return data["v"]
        if kind == "ellipsis":
            return Ellipsis
        if kind in ("list", "tuple") and depth < MAX_DEPTH and len(data["items"]) <= MAX_ITEMS:
            items = [decode(v, depth + 1) for v in data["items"]]
            return items if kind == "list" else tuple(items)
        if kind == "opaque":
            return opaque(str(data["type"]))
    except ProtocolError:
        raise
    except Exception as error:
        raise ProtocolError(f"malformed value: {error}") from None
    raise ProtocolError(f"unknown value kind {str(kind)[:40]!r}")


def _load(text: str) -> np.ndarray:
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    array = _simple(raw)
    if array is None:  # anything but a plain array of numbers: numpy's own reader
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    if array.dtype == object:
        raise ProtocolError("object arrays are not accepted")
    return array


# What np.save writes for a plain C-ordered array of numbers (format 1.0): read without
# numpy's general header parser (ast.literal_eval), ten times as fast. Anything else,
# or anything that does not add up, goes to np.load.
SIMPLE_HEADER = re.compile(rb"\x93NUMPY\x01\x00(..)\{'descr': '([<|>][biufc]\d{1,2})', "
                           rb"'fortran_order': False, 'shape': \(((?:\d{1,9}, ?)*\d{0,9})\), \} *\n",
                           re.DOTALL)


def _simple(raw: bytes) -> np.ndarray | None:
    match = SIMPLE_HEADER.match(raw)
    if match is None or int.from_bytes(match.group(1), "little") + 10 != match.end():
        return None
    dtype = np.dtype(match.group(2).decode())
    shape = tuple(int(n) for n in match.group(3).decode().replace(" ", "").split(",") if n)
    count = math.prod(shape)  # exact: no overflow to match a forged length
    if len(raw) - match.end() != count * dtype.itemsize:
        return None
    array: np.ndarray = np.frombuffer(raw, dtype, count, match.end()).reshape(shape).copy()
    return array


def opaque(type_name: str) -> object:
    """A stand-in for a value the sandbox could not send, named after its type."""
    name = "".join(c for c in type_name if c.isalnum() or c == "_")[:60] or "object"
    return type(name, (), {"__repr__": lambda self: f"<{name}>"})()


def dumps(message: Message) -> str:
    return _json(message) + "\n"


def encoded_bytes(value: object) -> int:
    """The bytes ``value`` takes in a message, as :func:`dumps` writes it (ASCII only: a
    control character is six bytes, a character past ASCII six or twelve)."""
    return len(_json(value))


def _json(value: object) -> str:
    return json.dumps(value, allow_nan=True, separators=(",", ":"))


def loads(line: str) -> Message:
    if len(line) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message too large")
    try:
        message: object = json.loads(line)
    except ValueError:
        raise ProtocolError("not a JSON message") from None
    except RecursionError:  # json's parser recurses once per level of nesting
        raise ProtocolError("a message nested too deeply") from None
    if not isinstance(message, dict):
        raise ProtocolError("not a JSON object")
    if _SURROGATE_ESCAPE.search(line):  # rare: then every string is looked at
        try:
            message = without_surrogates(message)
        except RecursionError:  # as deep as json's parser allows, deeper than this recursion
            raise ProtocolError("a message nested too deeply") from None
    return message


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@overload
def without_surrogates(value: str) -> str: ...
@overload
def without_surrogates(value: dict[str, Any]) -> dict[str, Any]: ...
@overload
def without_surrogates(value: object) -> object: ...


def without_surrogates(value: object) -> object:
    """``value`` with each lone surrogate in its strings (JSON can carry one, as
    ``"\\ud800"``; UTF-8 cannot encode it, so no file could be written with it) replaced by
    U+FFFD, the replacement character."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    return value
