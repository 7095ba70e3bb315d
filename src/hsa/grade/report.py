"""report.html for the instructor: score histogram, pass rate per question, frequent mistakes.

One self-contained file (the plot is an embedded PNG), so it opens offline.
"""

import base64
import collections
import html
import io

from ..outcomes import Status
from .outputs import write_atomic


def score_histogram_png(scores, max_score):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6, 3), dpi=100)
    axes = figure.subplots()
    top = max([max_score, *scores, 1])
    axes.hist(scores, bins=[x - 0.5 for x in range(int(top) + 2)], color="#4c72b0", rwidth=0.9)
    axes.set_xlabel("score")
    axes.set_ylabel("submissions")
    axes.set_title("Score distribution")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def write_report(path, results, questions):
    scored = [r for r in results if r.graded]  # a grader failure is no score, not a 0
    graded = [r for r in scored if r.status is not Status.INVALID]
    max_score = max((r.max_score for r in results), default=0)
    png = base64.b64encode(score_histogram_png([r.score for r in scored], max_score)).decode()
    statuses = collections.Counter(r.status for r in results)
    mistakes = collections.Counter(  # submissions that got each hint, not tests
        hint for r in graded for hint in {t.hint.splitlines()[0] for t in r.tests if t.hint and t.hidden})
    rows = []
    for q in questions:
        full = sum(1 for r in graded if q in r.questions and r.questions[q][0] >= r.questions[q][1])
        rate = 100 * full / len(graded) if graded else 0
        rows.append(f"<tr><td><code>{html.escape(q)}</code></td><td>{full} / {len(graded)}</td>"
                    f"<td>{rate:.0f}%</td></tr>")
    mean = sum(r.score for r in scored) / len(scored) if scored else 0
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hidden State Activation: grading report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}</style>
</head><body>
<h1>Hidden State Activation: grading report</h1>
<p>{len(results)} submission(s); mean score {mean:.2f} / {max_score:g}. Statuses:
{html.escape(', '.join(f'{s} {n}' for s, n in sorted(statuses.items())))}.</p>
<img alt="Histogram of scores" src="data:image/png;base64,{png}">
<h2>Pass rate per question (full marks)</h2>
<table><tr><th>question</th><th>full marks</th><th>rate</th></tr>{''.join(rows)}</table>
<h2>Most frequent mistakes</h2>
<table><tr><th>submissions</th><th>hint given</th></tr>
{''.join(f'<tr><td>{n}</td><td>{html.escape(h)}</td></tr>' for h, n in mistakes.most_common(12))}
</table>
</body></html>
"""
    write_atomic(path, body)
