"""The protocol between the grader and the sandboxed worker: plain data only, and every
malformed message a ProtocolError (never a crash of the trusted side, never unpickling)."""

import base64
import contextlib
import io
import json
import math
import os
import pickle

import numpy as np
import pytest

from hsa.untrusted import protocol
from hsa.untrusted.protocol import ProtocolError, decode, encode


def round_trip(value):
    """Through a JSON line, as the channel carries it."""
    return decode(protocol.loads(protocol.dumps({"v": encode(value)}))["v"])


def npy(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# --------------------------------------------------------------- round trips
@pytest.mark.parametrize("array", [
    np.arange(6, dtype=np.float64).reshape(2, 3) / 7,
    np.arange(6, dtype=np.float32).reshape(3, 2),
    np.arange(-3, 3, dtype=np.int8),
    np.array([[2**62, -(2**62)]], dtype=np.int64),
    np.array([True, False]),
    np.array([1 + 2j, np.nan]),
    np.array(["ab", "xyz"]),
    np.array([b"a", b"bc"]),
    np.array(["2024-01-01"], dtype="datetime64[D]"),
    np.zeros((0, 4)),
    np.array(3.5),  # 0-d
    np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    np.arange(20.0)[::3],  # not contiguous
    np.array([(1, 2.5)], dtype=[("a", "i4"), ("b", "f8")]),
], ids=lambda a: f"{a.dtype}{a.shape}")
def test_arrays_come_back_equal_with_dtype_and_shape(array):
    back = round_trip(array)
    assert isinstance(back, np.ndarray)
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


SIMPLE = [np.arange(6.0).reshape(2, 3), np.array(2.5), np.arange(5, dtype=np.int32),
          np.zeros((0, 3)), np.array([True]), np.array([1j]), np.ones((1,) * 20),
          np.zeros((10**11, 0)), np.arange(3, dtype=np.uint8), np.float16([1, 2])]


@pytest.mark.parametrize("array", SIMPLE, ids=lambda a: f"{a.dtype}{a.shape}")
def test_arrays_of_numbers_travel_as_np_save_writes_them_and_read_back_as_np_load_does(array):
    """The quick writer and reader of plain arrays of numbers (the grader's own hot path)
    write what np.save writes, byte for byte, and read what np.load reads."""
    assert base64.b64decode(encode(array)["npy"]) == base64.b64decode(npy(array))
    fast, numpy = protocol._simple(base64.b64decode(npy(array))), np.load(
        io.BytesIO(base64.b64decode(npy(array))), allow_pickle=False)
    if max(array.shape, default=0) >= 10**9:  # more digits than the quick reader takes
        assert fast is None and round_trip(array).shape == array.shape
        return
    assert fast is not None and fast.dtype == numpy.dtype and fast.shape == numpy.shape
    np.testing.assert_array_equal(fast, numpy)
    assert fast.flags.writeable


@pytest.mark.parametrize("forged", [
    b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (9, 9), }",  # short
    b"\x93NUMPY\x01\x00\x01\x00{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n"
    + bytes(8),  # a header length that does not match
    b"\x93NUMPY\x01\x00F\x00{'descr': '<f8', 'fortran_order': False, 'shape': "
    b"(999999999, 999999999, 999999999), }" + b" " * 5 + b"\n" + bytes(8),  # huge, few bytes
])
def test_a_forged_plain_header_is_not_trusted(forged):
    """The quick reader reads only what adds up (else np.load decides, and refuses)."""
    assert protocol._simple(forged) is None


@pytest.mark.parametrize("scalar", [np.float64(0.1), np.float32(2.5), np.int16(-7), np.bool_(True),
                                    np.complex64(1j), np.str_("hi"), np.uint64(2**64 - 1)],
                         ids=lambda s: type(s).__name__)
def test_numpy_scalars_come_back_as_the_same_scalar_type(scalar):
    back = round_trip(scalar)
    assert type(back) is type(scalar) and back == scalar
    assert not isinstance(back, np.ndarray)


@pytest.mark.parametrize("value", [None, True, False, 0, -5, 2**63, -(2**63), 1.5, -0.0, "",
                                   "héllo\nworld", Ellipsis])
def test_plain_values_come_back_identical(value):
    back = round_trip(value)
    assert back == value and type(back) is type(value)


def test_special_floats_survive():
    assert round_trip(math.inf) == math.inf and round_trip(-math.inf) == -math.inf
    assert math.isnan(round_trip(math.nan))


def test_nested_lists_and_tuples_keep_their_kinds():
    value = [1, (2.0, [np.int32(3), None]), (), [np.eye(2)], ("s", Ellipsis)]
    back = round_trip(value)
    assert type(back) is list and type(back[1]) is tuple and type(back[1][1]) is list
    assert back[1][1][0] == 3 and type(back[1][1][0]) is np.int32
    assert back[2] == () and back[4] == ("s", Ellipsis)
    np.testing.assert_array_equal(back[3][0], np.eye(2))


def test_long_strings_are_cut_to_1000_characters():
    assert round_trip("x" * 5000) == "x" * 1000


@pytest.mark.parametrize("value, name", [(2**63 + 1, "int"), (-(2**63) - 1, "int"), (10**5000, "int"),
                                         ({"a": 1}, "dict"), ({1, 2}, "set"), (print, "builtin_function_or_method"),
                                         (np.array([object()]), "ndarray"), (b"bytes", "bytes")],
                         ids=["int>2**63", "int<-2**63", "int10**5000", "dict", "set", "function",
                              "object-array", "bytes"])
def test_what_cannot_travel_becomes_an_opaque_stand_in_named_after_its_type(value, name):
    data = encode(value)
    assert data == {"t": "opaque", "type": name}
    back = round_trip(value)
    assert repr(back) == f"<{name}>"
    assert not isinstance(back, (int, dict, set, bytes, np.ndarray))


def test_opaque_names_are_sanitised():
    assert repr(protocol.opaque("a<b>; rm -rf /")) == "<abrmrf>"
    assert repr(protocol.opaque("!!!")) == "<object>"
    assert len(repr(protocol.opaque("x" * 500))) == 62


def nested(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def test_nesting_up_to_the_limit_travels_and_deeper_becomes_opaque():
    assert round_trip(nested(protocol.MAX_DEPTH)) == nested(protocol.MAX_DEPTH)
    back = round_trip(nested(protocol.MAX_DEPTH + 1))
    innermost = back
    for _ in range(protocol.MAX_DEPTH):
        innermost = innermost[0]
    assert repr(innermost) == "<list>"


def test_too_many_items_become_opaque():
    assert len(round_trip([0] * protocol.MAX_ITEMS)) == protocol.MAX_ITEMS
    assert repr(round_trip([0] * (protocol.MAX_ITEMS + 1))) == "<list>"


# ------------------------------------------------------- what decode refuses
def test_pickled_npy_is_refused_without_unpickling(tmp_path):
    flag = tmp_path / "unpickled"

    class Boom:
        def __reduce__(self):
            return (flag.write_text, ("ran",))

    objects = np.array([Boom()], dtype=object)
    for kind in ("ndarray", "npscalar"):
        with pytest.raises(ProtocolError):
            decode({"t": kind, "npy": npy(objects, allow_pickle=True)})
    raw = base64.b64encode(pickle.dumps(Boom())).decode()
    with pytest.raises(ProtocolError):
        decode({"t": "ndarray", "npy": raw})
    assert not flag.exists()


def test_object_arrays_are_refused_even_without_a_pickle():
    """An object array with no objects to unpickle (empty) still does not pass."""
    with pytest.raises(ProtocolError, match="(?i)object arrays"):
        decode({"t": "ndarray", "npy": npy(np.empty(0, dtype=object), allow_pickle=True)})


@pytest.mark.parametrize("data", [
    None, 5, "ndarray", [1, 2], {}, {"t": 5}, {"t": "nonsense"},
    {"t": "plain"}, {"t": "plain", "v": [1, 2]}, {"t": "plain", "v": {"a": 1}},
    {"t": "ndarray"}, {"t": "ndarray", "npy": "not base64!"}, {"t": "ndarray", "npy": 12},
    {"t": "ndarray", "npy": base64.b64encode(b"\x93NUMPY garbage").decode()},
    {"t": "ndarray", "npy": base64.b64encode(b"PK\x05\x06" + b"\0" * 18).decode()},
    {"t": "list"}, {"t": "list", "items": 3}, {"t": "list", "items": "ab"},
    {"t": "tuple", "items": [{"t": "plain", "v": 1}, {"t": "bogus"}]},
    {"t": "list", "items": [{"t": "plain", "v": 0}] * (protocol.MAX_ITEMS + 1)},
])
def test_malformed_values_raise_protocol_error(data):
    with pytest.raises(ProtocolError):
        decode(data)


def test_too_deep_nesting_is_refused():
    data = {"t": "plain", "v": 1}
    for _ in range(protocol.MAX_DEPTH):
        data = {"t": "list", "items": [data]}
    assert decode(data) == nested(protocol.MAX_DEPTH)
    with pytest.raises(ProtocolError):
        decode({"t": "list", "items": [data]})


# ---------------------------------------------------------------- messages
def test_a_message_is_one_line():
    line = protocol.dumps({"event": "done", "text": "a\nb", "value": encode([1.5, "x\n"])})
    assert line.endswith("\n") and line.count("\n") == 1
    assert protocol.loads(line)["text"] == "a\nb"


@pytest.mark.parametrize("line", ["", "not json", "{", "[1, 2]", "5", '"text"', "null", "true",
                                  '{"a": 1} extra'])
def test_loads_refuses_what_is_not_one_json_object(line):
    with pytest.raises(ProtocolError):
        protocol.loads(line)


def test_loads_refuses_oversized_lines():
    padding = "x" * protocol.MAX_MESSAGE_BYTES
    with pytest.raises(ProtocolError, match="too large"):
        protocol.loads(json.dumps({"pad": padding}))
    assert protocol.loads(json.dumps({"pad": padding[:-20]}))["pad"] == padding[:-20]


@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"a":', "}")])
def test_loads_refuses_json_nested_past_the_recursion_limit(opener, closer):
    """A forged line nested 100 000 deep makes json raise RecursionError, which must be
    the student's ProtocolError, not a crash of the grader."""
    depth = 100_000
    with pytest.raises(ProtocolError):
        protocol.loads('{"event":' + opener * depth + "1" + closer * depth + "}")


def _surrogate_nested(depth):
    return '{"event":' + "[" * depth + '"\\ud800"' + "]" * depth + "}"


def test_a_lone_surrogate_nested_as_deep_as_json_parses_is_read_or_refused_never_a_crash():
    """json parses a line nested up to its limit; replacing a lone surrogate in it recursed
    (two frames a level on Python 3.11) past the recursion limit, and the RecursionError was
    a crash of the grader, not the student's ProtocolError."""
    low, high = 1, 100_000  # the deepest line json parses here, from this test's stack
    while low < high:
        middle = (low + high + 1) // 2
        try:
            json.loads(_surrogate_nested(middle))
            low = middle
        except RecursionError:
            high = middle - 1
    with contextlib.suppress(ProtocolError):  # read, or refused as the student's: no crash
        protocol.loads(_surrogate_nested(low - 2))  # loads' own frames


# ------------------------------------------------- a student's error, as data
@pytest.mark.parametrize("source, expected", [
    ("x = 1\ny = 1 / 0\n", ("ZeroDivisionError", "division by zero", 2, None)),
    ("def f():\n    return g()\n\nf()\n", ("NameError", "name 'g' is not defined", 2, "g")),
    ("import numpy\nimport scipy_not_here\n",
     ("ModuleNotFoundError", "No module named 'scipy_not_here'", 2, "scipy_not_here")),
    ("x = (\n", ("SyntaxError", "'(' was never closed", 1, None)),
    ("raise ValueError('first\\nlast line')\n", ("ValueError", "last line", 1, None)),
])
def test_the_worker_reports_a_cells_error_as_type_message_line_and_name(worker, source, expected):
    sent = []
    worker.run_cells([source], set(), {}, sent.append)
    [done] = [m for m in sent if m["event"] == protocol.DONE]
    assert protocol.Raised.read(done["error"]) == protocol.Raised(*expected)


def test_an_error_whose_message_raises_is_still_reported(worker):
    source = "class E(Exception):\n    def __str__(self):\n        raise RuntimeError\n\nraise E()\n"
    sent = []
    worker.run_cells([source], set(), {}, sent.append)
    assert sent[-1]["error"] == {"type": "E", "message": "(its message could not be read)",
                                 "line": 5, "name": None}


def test_the_line_is_the_running_cells_own_and_a_call_has_none(worker):
    sent = []
    worker.run_cells(["def f():\n    return 1 / 0\n", "x = 1\nf()\n"], set(), env := {}, sent.append)
    assert sent[-1]["error"]["line"] == 2  # cell 2's line 2, not the line of f in cell 1
    requests = iter([{"call": "f", "args": []}, None])
    worker.serve_calls(env, ["f"], lambda: next(requests), sent.append)
    assert sent[-1]["error"] == {"type": "ZeroDivisionError", "message": "division by zero",
                                 "line": None, "name": None}


def test_a_graded_function_deleted_since_ready_is_a_name_error(worker):
    """The notebook defined g, and a graded call deleted it: calling g is the NameError
    Python gives, where it was "'NoneType' object is not callable" (found by mypy)."""
    sent = []
    worker.run_cells(["def f():\n    del globals()['g']\n", "def g():\n    return 1\n"], set(),
                     env := {}, sent.append)
    requests = iter([{"call": "f", "args": []}, {"call": "g", "args": []}, None])
    worker.serve_calls(env, ["f", "g"], lambda: next(requests), sent.append)
    assert sent[-1]["error"] == {"type": "NameError", "message": "name 'g' is not defined",
                                 "line": None, "name": "g"}


def test_a_name_error_whose_name_is_not_a_string_is_reported_not_a_crash(worker):
    """A student's NameError may carry any ``name``: an unhashable one crashed the worker's
    loop (TypeError on ``name in names``) instead of being the call's error."""
    sent = []
    source = "def f():\n    e = NameError('odd')\n    e.name = []\n    raise e\n"
    worker.run_cells([source], set(), env := {}, sent.append)
    requests = iter([{"call": "f", "args": []}, None])
    worker.serve_calls(env, ["f"], lambda: next(requests), sent.append)
    assert sent[-1]["error"]["type"] == "NameError" and sent[-1]["reached"] == []


def test_a_worker_sent_no_cells_exits_saying_so(worker, monkeypatch):
    """The grader closed the channel before the first message: the worker exits 1 with a
    sentence, where it raised TypeError on None (found by mypy)."""
    read_fd, write_fd = os.pipe()
    monkeypatch.setattr(worker.sys, "argv", ["worker.py", str(write_fd)])
    monkeypatch.setattr(worker.sys, "stdin", io.StringIO(""))
    try:
        with pytest.raises(SystemExit, match="before it sent the cells"):
            worker.main()
    finally:
        os.close(read_fd)
