"""report.html: what a grader acts on after ``hsa grade``.

In order: the counts and scores, which file to upload where to hand grades and
feedback back, the submissions that need a look first, score
changes after the autograder changed, the score distribution (overall and per
question), the mistakes the hidden tests recognised (attempts that were not
made counted apart), and the roster with a link to each student's feedback.
One self-contained file (the plot is inline SVG), so it opens offline.
"""

from __future__ import annotations

import collections
import html
import pathlib
import urllib.parse
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from ..writers.atomic import write_atomic
from ..writers.document import inline_html
from ..writers.feedback_html import FILE_NAME as FEEDBACK_HTML
from . import histogram
from .rows import Row, is_placeholder, look_reason, not_attempted

if TYPE_CHECKING:
    from ..trusted.result import Result
    from ..writers.graded import Graded
    from .summary import Summary

STYLE = """body{font-family:system-ui,sans-serif;max-width:96em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.bad{color:#a40000;font-weight:600}.num{text-align:right;white-space:nowrap}.muted{color:#777}"""


def write_report(path: pathlib.Path, summary: Summary, questions: Sequence[str], title: str,
                 graded: Iterable[Graded]) -> None:
    """``graded``: every :class:`~hsa.writers.graded.Graded`, in the roster's order, read
    once (a generator keeps memory flat for a large class: the summary holds only a Row per
    student)."""
    write_atomic(path, render(summary, questions, title, graded))


def render(summary: Summary, questions: Sequence[str], title: str, graded: Iterable[Graded]) -> str:
    tally = _Tally(questions)
    for one in graded:
        tally.add(one)
    chart = histogram.score_histogram_svg(summary.scored, summary.max_score)
    parts = [f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{_e(title)}: grading report</title><style>{STYLE}</style></head><body>",
             f"<h1>{_e(title)}: grading report</h1>", _overview(summary),
             _hand_back(summary), _needs_a_look(summary), _changes(summary),
             f"<h2>Scores</h2>{chart}",
             tally.per_question(), tally.mistakes(), tally.roster(), "</body></html>\n"]
    return "\n".join(p for p in parts if p)


def _overview(summary: Summary) -> str:
    counts = ", ".join(f"{n} {_e(status)}" for status, n in summary.counts.items())
    text = f"<p>{len(summary.results)} submission(s): {counts}."
    if summary.scored:
        apart = len(summary.results) - len(summary.scored)
        text += (f" Mean score {summary.mean:.2f}, median {summary.median:g}, "
                 f"of {summary.max_score:g}"
                 + (f", over the {len(summary.scored)} graded ({apart} not graded left out)."
                    if apart else "."))
    return text + "</p>"


def _hand_back(summary: Summary) -> str:
    """Which file to upload where, a line each: the terminal's lines, with everyone left out."""
    if not summary.uploads:
        return ""
    items = "".join(f"<li>{_e(u.line(listed=len(u.left_out)))}</li>" for u in summary.uploads)
    lines = summary.returned_lines(listed=len(summary.returned))
    each = "".join(f"<li>{_e(line.strip())}</li>" for line in lines[1:])
    students = f"<p>{_e(lines[0])}</p><ul>{each}</ul>" if lines else ""
    return f"<h2>Hand back</h2><ul>{items}</ul>{students}"


def _needs_a_look(summary: Summary) -> str:
    if not summary.needs_a_look:
        return "<h2>Needs a look</h2><p>Nothing: every submission was graded cleanly.</p>"
    rows = [f"<tr><td>{_who(r)}</td><td class=\"bad\">{_e(r.status)}</td>"
            f"<td class=\"num\">{r.score:g} / {r.max_score:g}</td><td>{_e(look_reason(r))}</td></tr>"
            for r in summary.needs_a_look]
    return (f"<h2>Needs a look first ({len(rows)})</h2><p>Every status but <em>graded</em>, "
            "and blank notebooks: read these before publishing.</p><table><tr><th>student</th><th>status</th>"
            f"<th>score</th><th>reason</th></tr>{''.join(rows)}</table>")


def _changes(summary: Summary) -> str:
    if not summary.changes:
        return ""
    rows = [f"<tr><td>{_e(c.submission)}</td><td class=\"num\">{c.before:g}</td>"
            f"<td class=\"num\">{c.after:g}</td></tr>" for c in summary.changes]
    return ("<h2>Score changes with the new autograder</h2><table><tr><th>submission</th>"
            f"<th>before</th><th>after</th></tr>{''.join(rows)}</table>")


class _Tally:
    """The report's tables, counted one result at a time (results in the roster's order), so
    that no more than the counts and the roster's rows are kept."""

    def __init__(self, questions: Sequence[str]) -> None:
        self.questions = questions
        self.points: dict[str, collections.Counter[float]] = {
            q: collections.Counter() for q in questions}
        self.possible: dict[str, float] = dict.fromkeys(questions, 0)
        self.counts: dict[str, collections.Counter[str]] = {  # skipped, own, through
            q: collections.Counter() for q in questions}
        # (question, advice) -> submissions
        self.found: collections.Counter[tuple[str, str]] = collections.Counter()
        self.rows: list[str] = []

    def add(self, graded: Graded) -> None:
        r, traced = graded.result, graded.traced
        if r.status.code_graded:
            self._question_counts(r, traced.split())
        counted = {t.name for t in r.tests if t.hidden and not is_placeholder(t)}
        self.found.update({(loss.question, _advice(loss.hint)) for loss in traced.full.losses
                           if loss.own and loss.test in counted})
        self.rows.append(_roster_row(r, self.questions))

    def _question_counts(self, r: Result, lost: Mapping[str, tuple[float, float]]) -> None:
        for q in self.questions:
            if q in r.questions:
                self.points[q][r.questions[q].score] += 1
                self.possible[q] = max(self.possible[q], r.questions[q].possible)
            skipped = not_attempted(r, q)
            own, through = lost.get(q, (0, 0))
            self.counts[q].update(skipped=int(skipped), own=int(bool(own) and not skipped),
                                  through=int(bool(through) and not own))

    def per_question(self) -> str:
        rows = []
        for q in self.questions:
            spread, possible, counts = self.points[q], self.possible[q], self.counts[q]
            cells = " ".join(f"{p:g}: {spread[p]}" for p in sorted(spread))
            full = sum(n for p, n in spread.items() if p >= possible)
            rows.append(f"<tr><td><code>{_e(q)}</code></td><td class=\"num\">{possible:g}</td>"
                        f"<td class=\"num\">{full} / {spread.total()}</td><td>{_e(cells)}</td>"
                        f"<td class=\"num\">{counts['own']}</td><td class=\"num\">"
                        f"{counts['through']}</td><td class=\"num\">{counts['skipped']}</td></tr>")
        return ("<h2>Per question</h2><p><em>Wrong on its own</em>: submissions whose function for "
                "the question lost points itself; <em>only through a dependency</em>: submissions "
                "whose function was right but lost points because a function it uses was wrong "
                "(fix that one first). The first column shows which function really trips "
                "students.</p><table><tr><th>question</th><th>points</th><th>full marks</th>"
                "<th>points: submissions</th><th>wrong on its own</th><th>only through a dependency</th>"
                "<th>not attempted</th></tr>" + "".join(rows) + "</table>")

    def mistakes(self) -> str:
        """Mistakes by what the hidden tests named (their advice), per submission; placeholders
        left in place count as "not attempted", apart."""
        if not self.found:
            return "<h2>Mistakes the hidden tests recognised</h2><p>None.</p>"
        order = {q: i for i, q in enumerate(self.questions)}
        rows = [f"<tr><td class=\"num\">{n}</td><td><code>{_e(q)}</code></td><td>{inline_html(advice)}</td></tr>"
                for (q, advice), n in sorted(self.found.items(),
                                             key=lambda i: (-i[1], order.get(i[0][0], 99)))]
        return ("<h2>Mistakes the hidden tests recognised</h2><p>Submissions that made each "
                "mistake in the question's own function (points lost only through another "
                "function, and unattempted functions, are counted under <em>Per question</em>).</p>"
                "<table><tr><th>submissions</th><th>question</th><th>mistake (the hint students read)</th>"
                f"</tr>{''.join(rows[:30])}</table>")

    def roster(self) -> str:
        head = "".join(f"<th><code>{_e(q)}</code></th>" for q in self.questions)
        return (f"<h2>Roster ({len(self.rows)})</h2><p>Each name links to that student's feedback."
                f"</p><table><tr><th>student</th><th>status</th><th>score</th>{head}<th>late</th></tr>"
                f"{''.join(self.rows)}</table>")


def _roster_row(r: Result, questions: Sequence[str]) -> str:
    cells = "".join(f"<td class=\"num\">{r.questions[q].score if q in r.questions else 0:g}</td>"
                    for q in questions)
    late = {True: "late", False: "", None: ""}[r.identity.late]
    status = f'<td class="bad">{_e(r.status)}</td>' if r.status.needs_a_look else f"<td>{_e(r.status)}</td>"
    return (f"<tr><td>{_who(r, link=True)}</td>{status}<td class=\"num\">{r.score:g} / "
            f"{r.max_score:g}</td>{cells}<td>{late}</td></tr>")


def _who(result: Result | Row, link: bool = False) -> str:
    """The student's name (a link to their feedback.html), their ids, the file graded."""
    who = result.identity
    plain = who.student_name or result.submission
    name = _e(plain)
    if link:
        name = f'<a href="{urllib.parse.quote(f"{result.submission}/{FEEDBACK_HTML}")}">{name}</a>'
    detail = " · ".join(x for x in (who.student_id, who.email) if x and x != plain)
    extra = f' <span class="muted">{_e(detail)}</span>' if detail else ""
    return f"{name}{extra}<br><span class=\"muted\">{_e(who.path)}</span>"


def _advice(hint: str) -> str:
    return hint.strip().splitlines()[-1]


def _e(text: object) -> str:
    return html.escape(str(text))
