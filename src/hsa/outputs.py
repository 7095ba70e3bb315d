"""What a grade is written as: Gradescope's results.json, the student's feedback.md, the gradebook.

Gradescope's shape: ``score``, ``execution_time``, ``output``, ``tests`` (each
with ``name``, ``score``, ``max_score``, ``status``, ``output``,
``visibility``) and ``extra_data``, which here holds the whole result with
its provenance, so a gradebook can be rebuilt from the results files alone.
"""

import csv
import io
import json
import os
import pathlib
import tempfile

from .grader import Result, describe_cell

PROVENANCE_COLUMNS = ("seed", "isolation", "submission_sha256", "autograder_sha256",
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
    tests = [{
        "name": f"{t.name} ({'hidden' if t.hidden else 'public'})",
        "score": t.score, "max_score": t.max_score,
        "status": "passed" if t.passed else "failed",
        "output": t.hint or "Passed.",
        "visibility": visibility["hidden" if t.hidden else "public"],
    } for t in result.tests]
    return {
        "score": result.score,
        "execution_time": result.provenance.get("wall_time_seconds"),
        "output": feedback_md(result),
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
def feedback_md(result):
    """The student's feedback: score per question, what to fix, what did not run."""
    lines = [f"# Feedback on {result.submission}", "",
             f"**Score: {result.score:g} / {result.max_score:g}**", ""]
    if result.status == "invalid":
        return "\n".join(lines + [f"Your submission could not be graded: {result.message}.",
                                  "Resubmit the notebook (.ipynb) or the zip grader.export() makes."]) + "\n"
    lines += ["| Question | Score |", "| --- | --- |"]
    lines += [f"| `{q}` | {s:g} / {m:g} |" for q, (s, m) in result.questions.items()]
    lines += _fixes(result) + _cell_problems(result) + _undefined(result) + _footer(result)
    return "\n".join(lines) + "\n"


def _fixes(result):
    lines = []
    for question, (score, possible) in result.questions.items():
        hints = _distinct_advice(t.hint for t in result.tests if t.question == question and t.hint)
        if hints:
            lines += ["", f"### `{question}`: {possible - score:g} point(s) lost", ""]
            lines += [f"- {h}" for h in hints]
    return (["", "## What to fix"] + lines) if lines else ["", "All checks passed. Well done!"]


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
        lines.append(f"- Code cell {cell.index} (`{cell.first_line}`) {describe_cell(cell)}.")
    lines += ["", "What a skipped or failing cell would have defined was not there when your "
              "functions were graded. Restart the kernel and run all cells (Kernel > Restart & "
              "Run All) to see the same thing."]
    return lines


def _undefined(result):
    if not result.undefined or result.status == "error" and not result.tests:
        return []
    names = ", ".join(f"`{n}`" for n in result.undefined)
    return ["", "## Not graded", "", f"These functions were not defined when your notebook ran, so "
            f"their tests could not pass: {names}. Check that each one's cell runs without an error "
            "and that its name and `def` line are as given."]


def _footer(result):
    p = result.provenance
    return ["", "---", f"Graded by hsa {p.get('package_version')} at {p.get('timestamp')}, "
            f"seed {p.get('seed')}, isolation {p.get('isolation')}."]


# ------------------------------------------------------------ gradebook.csv
def gradebook_csv(results, questions):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "status", "score", "max_score", *questions, "message",
                     *PROVENANCE_COLUMNS])
    for r in sorted(results, key=lambda r: r.submission):
        scores = [f"{r.questions.get(q, [0])[0]:g}" for q in questions]
        writer.writerow([r.submission, r.status, f"{r.score:g}", f"{r.max_score:g}", *scores,
                         r.message, *(r.provenance.get(c, "") for c in PROVENANCE_COLUMNS)])
    return buffer.getvalue()
