"""Whatever a student hands in, the outcome is the student's (``invalid``, or graded with its
cells' problems), never ``grader_failed`` and never a crash (issue 24, item 3).

Random and adversarial notebooks: control characters, lone surrogates, characters past
the Basic Multilingual Plane, byte-order marks and other encodings, deep nesting, cells
that are not objects, sources that are not text, code just under and over its bound as
it is sent to the worker. Many examples stop at the trusted side's reading; a handful are
graded in the sandbox, their feedback and results written as files.
"""

import json
import pathlib
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from hsa.exceptions import InvalidSubmission
from hsa.outcomes import Status
from hsa.trusted.grader import grade_file
from hsa.trusted.submission import MAX_CODE_BYTES, code_cells
from hsa.untrusted import protocol
from hsa.writers.atomic import write_atomic
from hsa.writers.feedback import feedback_md
from hsa.writers.feedback_html import feedback_html
from hsa.writers.graded import Graded

SEED = 20261125
NAMES = ["join_weights", "join_state_and_input", "formula_1", "formula_2", "sigmoid",
         "hidden_state"]

# Every code point, surrogates and control characters included.
ANY_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
                   max_size=40)
ODD = ["\x00", "\x01", "\x1b", "\x7f", "\u2028", "\ufeff", "\ud800", "\udfff", "\U0001F600", "é"]
# Sizes just under and over the code's bound as it is sent (6 bytes a control character).
HUGE = st.builds(lambda char, count: "#" + char * count, st.sampled_from(["\x01", "\U0001F600", "a"]),
                 st.sampled_from([MAX_CODE_BYTES // 12 - 2, MAX_CODE_BYTES // 6 - 2,
                                  MAX_CODE_BYTES // 6 + 2, MAX_CODE_BYTES + 2]))
SOURCE = st.one_of(ANY_TEXT, st.lists(ANY_TEXT, max_size=4), st.builds("".join, st.lists(
    st.sampled_from(ODD + ["x = 1\n", "def f(:\n", "print('hi')\n"]), max_size=8)))
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(ANY_TEXT, inner, max_size=3), max_leaves=8)
CODE_CELL = st.fixed_dictionaries({"cell_type": st.just("code"), "source": SOURCE,
                                   "metadata": st.just({}), "outputs": st.just([])})
CELL = st.one_of(
    CODE_CELL,
    st.fixed_dictionaries({"cell_type": st.sampled_from(["code", "markdown", "raw"]),
                           "source": st.one_of(SOURCE, JSON), "metadata": st.just({}),
                           "outputs": st.just([])}),
    JSON)
HUGE_CELL = st.fixed_dictionaries({"cell_type": st.just("code"), "source": HUGE})


def notebook(cells, nbformat=4):
    if nbformat == 3:  # the old layout: cells inside worksheets, code as "input"
        return {"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                "worksheets": [{"cells": [{**c, "input": c.get("source", "")}
                                          if isinstance(c, dict) else c for c in cells]}]}
    return {"nbformat": nbformat, "nbformat_minor": 5, "metadata": {}, "cells": cells}


def encoded(document, how):
    """The notebook's bytes, written as a student's editor (or a mishap) might."""
    text = json.dumps(document, ensure_ascii=how == "ascii")
    if how == "nested":
        return ("{\"cells\": " + "[" * 5000 + "]" * 5000 + ", " + text[1:]).encode("utf-8", "surrogatepass")
    if how == "cut":
        return text[: len(text) // 2].encode("utf-8", "surrogatepass")
    codec = {"ascii": "ascii", "utf-8": "utf-8", "bom": "utf-8-sig", "utf-16": "utf-16",
             "utf-32": "utf-32", "latin-1": "latin-1"}[how]
    return text.encode(codec, "surrogatepass" if codec.startswith("utf") else "replace")


NOTEBOOKS = st.builds(lambda cells, version, how: encoded(notebook(cells, version), how),
                      st.lists(CELL, max_size=5), st.sampled_from([4, 4, 3, 99]),
                      st.sampled_from(["ascii", "utf-8", "bom", "utf-16", "utf-32", "latin-1",
                                       "nested", "cut"]))


def read(data):
    """The code cells, or None when the notebook is invalid (the student's outcome)."""
    try:
        return code_cells(data)
    except InvalidSubmission as invalid:
        assert str(invalid).strip(), "an invalid notebook is told why"
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NOTEBOOKS)
def test_any_bytes_are_read_as_code_or_found_invalid_and_the_code_always_fits(data):
    read_and_check(data)


def read_and_check(data):
    """Read ``data``: invalid, or code cells whose first message fits the worker's bound
    and that any file can hold."""
    sources = read(data)
    if sources is not None:
        assert all(isinstance(s, str) for s in sources)
        first = protocol.dumps({"cells": sources, "skip": list(range(len(sources))),
                                "names": NAMES})
        assert len(first.encode()) <= protocol.MAX_MESSAGE_BYTES
        "".join(sources).encode()  # no lone surrogate is left: every file can hold it


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(CODE_CELL, HUGE_CELL), min_size=1, max_size=3),
       st.sampled_from(["ascii", "utf-8", "utf-16"]))
def test_code_near_its_bound_is_read_or_found_invalid_and_always_fits(cells, how):
    read_and_check(encoded(notebook(cells), how))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CODE_CELL, min_size=1, max_size=3), st.sampled_from(["utf-8", "bom", "ascii"]))
def test_adversarial_code_cells_are_never_a_grader_failure(autograder, isolation, cells, how):
    _graded_and_written(autograder, isolation, encoded(notebook(cells), how))


@pytest.mark.parametrize("char", ["\x01", "\U0001F600"])
def test_a_cell_too_large_as_sent_is_invalid_not_a_grader_failure(autograder, isolation, char):
    """The issue's case: a comment of control characters under the code's bound as written
    (3.9 MB) but six times that as sent to the worker."""
    cell = {"cell_type": "code", "source": "# " + char * (3_900_000 // len(char.encode())),
            "metadata": {}, "outputs": []}
    result = _graded_and_written(autograder, isolation, encoded(notebook([cell]), "utf-8"))
    assert result.status is Status.INVALID
    assert "as it is sent to be run" in result.message and "remove it, save and submit" in result.message


@pytest.mark.parametrize("cell", [
    "raise ValueError('\\ud800 \\x01 \\x1b[31m')",  # its message: a lone surrogate, controls
    "def hidden_state(*a):\n    return '\\ud800'",  # a graded function's value
    "print('\\ud800')",
    "x = '\ud800'",  # a lone surrogate in the source itself
])
def test_what_a_cell_says_in_odd_characters_is_written_as_feedback(autograder, isolation, cell):
    source = {"cell_type": "code", "source": cell, "metadata": {}, "outputs": []}
    result = _graded_and_written(autograder, isolation, encoded(notebook([source]), "ascii"))
    assert result.status is not Status.INVALID


def _graded_and_written(autograder, isolation, data):
    """Grade ``data`` as a notebook file and write what a grade writes; the result."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="hsa-property-"))
    try:
        path = folder / "nb.ipynb"
        path.write_bytes(data)
        result = grade_file(path, "nb", autograder, SEED, isolation)
        assert result.status is not Status.GRADER_FAILED, result.message
        graded = Graded.of(result)
        write_atomic(folder / "feedback.md", feedback_md(graded))
        write_atomic(folder / "feedback.html", feedback_html(graded))
        write_atomic(folder / "results.json", json.dumps(result.to_dict(), ensure_ascii=False))
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)
