"""feedback.html: the student's feedback as a page that opens anywhere.

The same blocks as feedback.md (:func:`~hsa.writers.feedback_blocks.feedback_blocks`),
rendered as one self-contained page: the style is inline, nothing is fetched (no
font, no image, no script), and it reads on a phone (a viewport, text that wraps,
tables that fit). Canvas and Moodle show an uploaded .md as raw text; this is what
their upload files carry.
"""

from __future__ import annotations

import html
from typing import Iterable

from .document import Block, html_body
from .graded import Graded

FILE_NAME = "feedback.html"
STYLE = """*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#fff;max-width:46em;margin:0 auto;padding:1em}
h1{font-size:1.35em;margin:.2em 0 .6em}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{font-size:1.02em;margin:1.3em 0 .4em;padding:.35em .6em;background:#fdf1f0;border-left:4px solid #c0392b;border-radius:3px}
p,li{overflow-wrap:anywhere}ul{padding-left:1.3em}li{margin:.35em 0}
code{font:.92em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f2f2f4;padding:.05em .3em;border-radius:3px}
table{border-collapse:collapse;width:100%;max-width:26em;margin:.6em 0 1em}th,td{border:1px solid #d6d6d6;padding:.35em .6em;text-align:left}
td:last-child{text-align:right;white-space:nowrap}th{background:#f5f5f7}
strong{color:#000}.footer{color:#6e6e73;font-size:.85em}hr{border:0;border-top:1px solid #ddd;margin:2em 0 .5em}"""


def feedback_html(graded: Graded, public_only: bool = False) -> str:
    """The student's feedback page (see the module's docstring)."""
    return html_page(f"Feedback on {graded.result.submission}", graded.feedback(public_only))


def html_page(title: str, blocks: Iterable[Block]) -> str:
    """``blocks`` (:mod:`.document`) as one self-contained page titled ``title``."""
    title = html.escape(title)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{title}</title><style>{STYLE}</style></head><body>\n"
            f"{html_body(blocks)}\n</body></html>\n")
