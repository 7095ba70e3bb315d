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
from ..trusted.causes import analyse, split
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
    the full feedback is one more test, shown with them. A test lost through another
    function's mistake says so first (from the public checks alone, for a public test)."""
    hidden = {t.name for t in result.tests if t.hidden}
    through = {loss.test: loss.roots for public_only in (True, False)
               for loss in analyse(result, public_only).losses
               if (loss.test in hidden) != public_only}
    tests = [{
        "name": f"{t.name} ({'hidden' if t.hidden else 'public'})",
        "score": t.score, "max_score": t.max_score,
        "status": "passed" if t.passed else "failed",
        "output": _test_output(t, through.get(t.name)),
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


def _test_output(test, roots):
    if not test.hint:
        return "Passed."
    if not roots:
        return test.hint
    that = "that" if len(roots) == 1 else "those"
    return f"Lost through {_names(roots)}: fix {that} first (see the feedback).\n{test.hint}"


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
    """One section per question that failed a check. A mistake that other functions
    inherit is said once, at its cause; their sections point there instead."""
    causes = analyse(result, public_only)
    sections = [q for q in result.questions if causes.losses_of(q)]
    sections += [r for r in causes.cascades if r not in sections]  # a root with no question
    lines = []
    for question in sections:
        score, possible = result.questions.get(question, (0.0, 0.0))
        lost = "public check failed" if public_only else f"{possible - score:g} point(s) lost"
        lines += ["", f"### `{question}`: {lost}", ""]
        if question in causes.cascades:
            lines += [_fix_first(causes.cascades[question], public_only), ""]
        losses = causes.losses_of(question)
        lines += [f"- {h}" for h in _distinct_advice(l.hint for l in losses if l.own)]
        lines += [f"- {p}" for p in _pointers(question, losses, sections, public_only)]
    if lines:
        return ["", "## What to fix"] + lines
    if public_only and result.tests:
        return ["", "All public checks passed."]
    if result.tests and result.score >= result.max_score:
        return ["", "All checks passed. Well done!"]
    return []


def _fix_first(cascade, public_only):
    """The one place that says what a root cause cost the functions that depend on it."""
    root, parts = f"`{cascade.root}`", []
    if cascade.callers:
        parts.append(f"{_names(cascade.callers)} {_verb(cascade.callers)} it and " + (
            "fail their public checks because of it" if public_only else
            f"lost {_points(sum(cascade.callers.values()))} through it"))
    by_via = {}  # the same path, said once for every question that lost points along it
    for question, points in cascade.users.items():
        by_via.setdefault(_via(cascade.via[question], cascade.root), {})[question] = points
    for via, users in by_via.items():
        one = len(users) == 1
        if public_only:
            checks = "fails a public check that uses" if one else "fail public checks that use"
            parts.append(f"{_names(users)} {checks} {via}")
        else:
            checks = "a check that uses" if one else "checks that use"
            parts.append(f"{_names(users)} lost {_points(sum(users.values()))} in {checks} {via}")
    text = f"**Fix {root} first:** " + "; ".join(parts) + "."
    if not public_only and cascade.alone:
        text += (f" Fixing {root} alone could bring back "
                 f"{_points(cascade.own + cascade.alone)}.")
    return text


def _pointers(question, losses, sections, public_only):
    """What the question's checks lost through other functions, pointing at each cause."""
    groups = {}
    for loss in losses:
        if not loss.own:
            groups.setdefault(loss.roots, []).append(loss)
    lines = []
    for roots, group in groups.items():
        where = {("above" if sections.index(r) < sections.index(question) else "below")
                 for r in roots}
        see = f"see {where.pop()}" if len(where) == 1 else "see their sections"
        that = "that" if len(roots) == 1 else "those"
        how = _how(question, group, roots)
        if public_only:
            lines.append(f"This check fails because of {_names(roots)}, {how} ({see}): "
                         f"fix {that} first.")
        else:
            points = sum(l.points for l in group)
            lines.append(f"{_points(points)} lost through {_names(roots)}, {how} ({see}): "
                         f"fix {that} first.")
    return lines


def _how(question, losses, roots):
    """How the question's checks came to go through ``roots``."""
    vias = _vias(losses, roots)
    if question in vias:
        return f"which `{question}` calls"
    called = [v for v in vias if v not in roots]
    it = "it" if len(roots) == 1 else "them"
    if not called:
        return f"in a check that uses {it}"
    if len(roots) == 1:
        return f"in a check that uses {_names(called)}, which {_verb(called)} {it}"
    return "in a check that uses " + _and([_used_for(root, losses) for root in roots])


def _used_for(root, losses):
    """How a check used ``root``: "`sigmoid`" itself, or "`formula_1` (which calls
    `join_weights`)"."""
    called = [v for v in _vias(losses, [root]) if v != root]
    if not called:
        return f"`{root}`"
    return f"{_names(called)} (which {_verb(called)} `{root}`)"


def _vias(losses, roots):
    """The functions the losses' checks used that are, or reached, one of ``roots``, in
    order, each once."""
    vias = []
    for loss in losses:
        vias += [v for root in roots for v in loss.via.get(root, ()) if v not in vias]
    return vias


def _and(phrases):
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _via(functions, root):
    """``functions`` that reached ``root`` in a check, as a phrase after "uses"."""
    if tuple(functions) == (root,):
        return "it"
    called = [f for f in functions if f != root]
    return f"{_names(called)}, which {_verb(called)} it"


def _verb(subjects):
    return "calls" if len(subjects) == 1 else "call"


def _names(names):
    return _and([f"`{n}`" for n in names])


def _points(points):
    return f"{points:g} point" + ("" if points == 1 else "s")


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
def gradebook_csv(results, questions, rows=None):
    """The gradebook, a row per result sorted by submission. ``rows`` (submission -> the
    :func:`gradebook_row` already made) spares remaking each row at every rewrite."""
    rows = rows or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *IDENTITY_COLUMNS, "status", "score", "max_score", *questions,
                     "lost_through_dependency", "message", *PROVENANCE_COLUMNS])
    for r in sorted(results, key=lambda r: r.submission):
        writer.writerow(rows.get(r.submission) or gradebook_row(r, questions))
    return buffer.getvalue()


def gradebook_row(r, questions):
    """One result's gradebook row (tracing its causes is the costly part)."""
    scores = [f"{r.questions.get(q, [0])[0]:g}" for q in questions]
    identity = [_cell(getattr(r.identity, c)) for c in IDENTITY_COLUMNS]
    return [r.submission, *identity, r.status, f"{r.score:g}", f"{r.max_score:g}", *scores,
            _through_dependency(r), r.message,
            *(r.provenance.get(c, "") for c in PROVENANCE_COLUMNS)]


def _through_dependency(result):
    """``formula_1 2; hidden_state 3``: points each question lost only because a function it
    uses was wrong (the rest of what it lost is its own); empty when none."""
    lost = split(result)
    return "; ".join(f"{q} {lost[q][1]:g}" for q in result.questions
                     if q in lost and lost[q][1])


def _cell(value):
    """A gradebook cell: yes/no for a known lateness, empty for what the download does not say."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value
