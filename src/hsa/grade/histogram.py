"""The report's score histogram, as an inline SVG: a bar per whole score, integer axes.

Written by hand rather than with matplotlib, which cost the report about 30 MB and a
second and a quarter of start-up at the end of every run, for a dozen rectangles.
"""

from __future__ import annotations

import collections
import html
import math
from typing import Sequence

WIDTH, HEIGHT = 600, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 30, 42  # margins: axis labels left and below, title above
BAR = "#4c72b0"


def score_histogram_svg(scores: Sequence[float], max_score: float) -> str:
    """Bars of how many submissions got each whole score (a score is put in the bin of the
    nearest whole number, halves up), from 0 to the largest of ``max_score`` and the scores."""
    top = int(math.ceil(max([max_score, *scores, 1])))
    counts = collections.Counter(min(top, max(0, math.floor(s + 0.5))) for s in scores)
    highest = max(counts.values(), default=0) or 1
    step = _step(highest)
    ceiling = step * math.ceil(highest / step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / (top + 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{_label(counts)}" '
             'font-family="system-ui,sans-serif" font-size="12">',
             f'<text x="{WIDTH / 2:g}" y="18" text-anchor="middle" font-size="14">'
             'Score distribution</text>']
    for tick in range(0, ceiling + 1, step):
        y = TOP + plot_h * (1 - tick / ceiling)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for score in range(top + 1):
        x = LEFT + slot * score
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{TOP + plot_h + 16}" '
                     f'text-anchor="middle">{score}</text>')
        if counts[score]:
            h = plot_h * counts[score] / ceiling
            parts.append(f'<rect x="{x + slot * 0.05:.1f}" y="{TOP + plot_h - h:.1f}" '
                         f'width="{slot * 0.9:.1f}" height="{h:.1f}" fill="{BAR}">'
                         f'<title>{counts[score]} submission(s) scored {score}</title></rect>')
    parts += [f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
              'stroke="#333"/>',
              f'<text x="{LEFT + plot_w / 2:g}" y="{HEIGHT - 6}" text-anchor="middle">score</text>',
              f'<text transform="translate(14 {TOP + plot_h / 2:g}) rotate(-90)" '
              'text-anchor="middle">submissions</text>', "</svg>"]
    return "\n".join(parts)


def _step(highest: int) -> int:
    """A whole-number tick step giving at most about six ticks."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if highest / step <= 6:
            return step
    return 10 ** math.ceil(math.log10(highest / 6))


def _label(counts: collections.Counter[int]) -> str:
    """What the bars show, for a screen reader: "score 15: 3 submissions; ..."."""
    shown = "; ".join(f"score {s}: {n}" for s, n in sorted(counts.items()))
    return html.escape(f"Score distribution: {shown or 'no scores'}", quote=True)
