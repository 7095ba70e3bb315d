"""What a grade is written as: Gradescope's results.json, the student's feedback.md, the gradebook.

Gradescope's shape: ``score``, ``execution_time``, ``output``, ``tests`` (each
with ``name``, ``score``, ``max_score``, ``status``, ``output``,
``visibility``) and ``extra_data``, which here holds the whole result with
its provenance, so a gradebook can be rebuilt from the results files alone.
"""

import csv
import io
import re
import json
import os
import pathlib
import tempfile

from ..outcomes import Status
from ..trusted.result import NOT_GRADED, Result

GRADER_FAILED_TEXT = ("Your submission was not graded: the autograder itself failed, which is not "
                      "your doing and costs you nothing. Your instructor has been told; you "
                      "need not resubmit.")

PUBLIC_ONLY_TEXT = ("Your notebook ran; below are the public checks (the ones you can run "
                    "yourself) and any cell that did not run cleanly. The hidden tests decide "
                    "your score; their results appear when your instructor publishes the grades.")

MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
IDENTITY_COLUMNS = ("student_id", "student_name", "email", "path", "late")
PROVENANCE_COLUMNS = ("seed", "isolation", "network_reachable", "submission_sha256", "autograder_sha256",
                      "autograder_content_sha256", "package_version", "wall_time_seconds",
                      "timestamp")


def write_atomic(path, text):
    """Write via a temporary file and rename, so an interrupted run never leaves half a file."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(tmp, path)


# ------------------------------------------------------------- results.json
def results_json(result, visibility):
    """Gradescope's results.json. Whatever a student may see before grades are published
    (the top-level ``output``, the public tests) holds public checks, their own cells'
    errors and general advice only. There is no top-level ``score``: Gradescope sums the
    tests' scores, so the hidden share of the score shows only with the hidden tests, and
    the full feedback is one more test, shown with them."""
    tests = [{
        "name": f"{t.name} ({'hidden' if t.hidden else 'public'})",
        "score": t.score, "max_score": t.max_score,
        "status": "passed" if t.passed else "failed",
        "output": t.hint or "Passed.",
        "visibility": visibility["hidden" if t.hidden else "public"],
    } for t in result.tests]
    tests.append({"name": "Feedback on the whole notebook", "score": 0, "max_score": 0,
                  "output": feedback_md(result), "output_format": "md",
                  "visibility": visibility["hidden"]})
    return {
        "execution_time": float(result.provenance.get("wall_time_seconds") or 0.0),
        "output": feedback_md(result, public_only=True),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": result.to_dict(),
    }


def read_result(path):
    return Result.from_dict(json.loads(pathlib.Path(path).read_text())["extra_data"])


def summary_line(result):
    text = f"{result.submission}: {result.status}, {result.score:g} / {result.max_score:g}."
    return f"{text} {result.message}" if result.message else text


# -------------------------------------------------------------- feedback.md
def feedback_md(result, public_only=False):
    """The student's feedback: score per question, what to fix, what did not run.

    ``public_only``: what a student may read before grades are published: the public
    checks, their cells' errors and general advice; no hidden hint, no score.
    """
    lines = [f"# Feedback on {result.submission}", ""]
    if result.status is Status.GRADER_FAILED:
        return "\n".join(lines + [GRADER_FAILED_TEXT]) + "\n"
    if not public_only:
        lines += [f"**Score: {result.score:g} / {result.max_score:g}**", ""]
    if result.status is Status.INVALID:
        reason = result.message.removeprefix(NOT_GRADED)
        return "\n".join(lines + [f"Your submission could not be graded: {reason}.",
                                  "Resubmit the notebook (.ipynb) or the zip grader.export() makes."]) + "\n"
    if public_only:
        lines += [PUBLIC_ONLY_TEXT, ""]
        lines += ["| Question | Public checks |", "| --- | --- |"]
        lines += [f"| `{q}` | {_public_state(result, q)} |" for q in result.questions]
    else:
        lines += ["| Question | Score |", "| --- | --- |"]
        lines += [f"| `{q}` | {s:g} / {m:g} |" for q, (s, m) in result.questions.items()]
    lines += _fixes(result, public_only) + _cell_problems(result) + _undefined(result)
    lines += _set_aside(result) + _footer(result)
    return "\n".join(lines) + "\n"


def _public_state(result, question):
    public = [t for t in result.tests if t.question == question and not t.hidden]
    if not public:
        return "none"
    return "passed" if all(t.passed for t in public) else "failed"


def _fixes(result, public_only=False):
    lines = []
    for question, (score, possible) in result.questions.items():
        tests = [t for t in result.tests if t.question == question and t.hint
                 and not (public_only and t.hidden)]
        hints = _distinct_advice(t.hint for t in tests)
        if hints:
            lost = "public check failed" if public_only else f"{possible - score:g} point(s) lost"
            lines += ["", f"### `{question}`: {lost}", ""]
            lines += [f"- {h}" for h in hints]
    if lines:
        return ["", "## What to fix"] + lines
    if public_only and result.tests:
        return ["", "All public checks passed."]
    if result.tests and result.score >= result.max_score:
        return ["", "All checks passed. Well done!"]
    return []


def _distinct_advice(hints):
    """One hint per piece of advice: the same mistake seen by several tests is said once."""
    kept = {}
    for hint in hints:
        kept.setdefault(hint.strip().splitlines()[-1], hint)
    return list(kept.values())


def _cell_problems(result):
    if not result.cells:
        return []
    lines = ["", "## Cells that did not run cleanly", ""]
    for cell in result.cells:
        lines.append(f"- Code cell {cell.index} (`{cell.first_line}`) {cell.describe()}."
                     + _missing_package(cell.message))
    lines += ["", "What a skipped or failing cell would have defined was not there when your "
              "functions were graded. Restart the kernel and run all cells (Kernel > Restart & "
              "Run All) to see the same thing."]
    return lines


def _missing_package(message):
    """Name the package a cell imported that grading does not have (scipy, say)."""
    found = MISSING_MODULE.search(message)
    if not found:
        return ""
    return (f" Grading does not have `{found.group(1)}`: graded code may import numpy and "
            "Python's standard library only, so everything this cell defines was missing.")


def _undefined(result):
    if not result.undefined or not result.tests:
        return []
    names = ", ".join(f"`{n}`" for n in result.undefined)
    return ["", "## Not graded", "", f"These functions were not defined when your notebook ran, so "
            f"their tests could not pass: {names}. Check that each one's cell runs without an error "
            "and that its name and `def` line are as given."]


def _set_aside(result):
    if not result.set_aside:
        return []
    lines = ["", "## Files not graded", "", f"Graded: `{result.submission}`. Not graded:", ""]
    return lines + [f"- `{name}`: {why}" for name, why in result.set_aside]


def _footer(result):
    p = result.provenance
    # No seed: it draws the hidden inputs, so it stays with the grader (gradebook, extra_data).
    return ["", "---", f"Graded by hsa {p.get('package_version')} at {p.get('timestamp')}, "
            f"isolation {p.get('isolation')}."]


# ------------------------------------------------------------ gradebook.csv
def gradebook_csv(results, questions):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *IDENTITY_COLUMNS, "status", "score", "max_score", *questions,
                     "message", *PROVENANCE_COLUMNS])
    for r in sorted(results, key=lambda r: r.submission):
        scores = [f"{r.questions.get(q, [0])[0]:g}" for q in questions]
        identity = [_cell(getattr(r.identity, c)) for c in IDENTITY_COLUMNS]
        writer.writerow([r.submission, *identity, r.status, f"{r.score:g}", f"{r.max_score:g}",
                         *scores, r.message, *(r.provenance.get(c, "") for c in PROVENANCE_COLUMNS)])
    return buffer.getvalue()


def _cell(value):
    """A gradebook cell: yes/no for a known lateness, empty for what the download does not say."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value
