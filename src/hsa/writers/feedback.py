"""The student's feedback.md: the score per question, what to fix, what did not run.

Its sections are made here; every sentence of English is in :mod:`.wording`.
"""

from ..outcomes import Status
from ..trusted.causes import trace
from ..trusted.result import NOT_GRADED
from .wording import (GRADER_FAILED_TEXT, PUBLIC_ONLY_TEXT, distinct_advice, fix_first,
                      missing_package, pointers)


def feedback_md(result, public_only=False, traced=None):
    """The student's feedback: score per question, what to fix, what did not run.

    ``public_only``: what a student may read before grades are published: the public
    checks, their cells' errors and general advice; no hidden hint, no score.
    ``traced``: the result's causes (:func:`~hsa.trusted.causes.trace`), when the caller
    has them already.
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
    lines += _fixes(result, traced or trace(result), public_only) + _cell_problems(result) + _undefined(result)
    lines += _set_aside(result) + _footer(result)
    return "\n".join(lines) + "\n"


def _public_state(result, question):
    public = [t for t in result.tests if t.question == question and not t.hidden]
    if not public:
        return "none"
    return "passed" if all(t.passed for t in public) else "failed"


def _fixes(result, traced, public_only):
    """One section per question that failed a check. A mistake that other functions
    inherit is said once, at its cause; their sections point there instead."""
    causes = traced.of(public_only)
    sections = [q for q in result.questions if causes.losses_of(q)]
    sections += [r for r in causes.cascades if r not in sections]  # a root with no question
    lines = []
    for question in sections:
        score, possible = result.questions.get(question, (0.0, 0.0))
        lost = "public check failed" if public_only else f"{possible - score:g} point(s) lost"
        lines += ["", f"### `{question}`: {lost}", ""]
        if question in causes.cascades:
            lines += [fix_first(causes.cascades[question], public_only), ""]
        losses = causes.losses_of(question)
        lines += [f"- {h}" for h in distinct_advice(loss.hint for loss in losses if loss.own)]
        lines += [f"- {p}" for p in pointers(question, losses, sections, public_only)]
    if lines:
        return ["", "## What to fix"] + lines
    if public_only and result.tests:
        return ["", "All public checks passed."]
    if result.tests and result.score >= result.max_score:
        return ["", "All checks passed. Well done!"]
    return []


def _cell_problems(result):
    if not result.cells:
        return []
    lines = ["", "## Cells that did not run cleanly", ""]
    for cell in result.cells:
        lines.append(f"- Code cell {cell.index} (`{cell.first_line}`) {cell.describe()}."
                     + missing_package(cell.raised))
    lines += ["", "What a skipped or failing cell would have defined was not there when your "
              "functions were graded. Restart the kernel and run all cells (Kernel > Restart & "
              "Run All) to see the same thing."]
    return lines


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
    graded = result.identity.path or result.submission
    lines = ["", "## Files not graded", "", f"Graded: `{graded}`. Not graded:", ""]
    return lines + [f"- `{a.path}`: {a.detail}" for a in result.set_aside]


def _footer(result):
    p = result.provenance
    # No seed: it draws the hidden inputs, so it stays with the grader (gradebook, extra_data).
    return ["", "---", f"Graded by hsa {p.get('package_version')} at {p.get('timestamp')}, "
            f"isolation {p.get('isolation')}."]


