"""A feedback document as blocks, built once and rendered to Markdown and to HTML.

The feedback's content (:mod:`.feedback_blocks`) is a list of blocks; feedback.md,
feedback.html, the Gradescope output and the feedback notebook are renderings of
that one list. Text inside a block uses the little inline Markdown the wording
writes (```code```, ``**bold**``); :func:`inline_html` turns it into HTML, escaped.

A :class:`Section` is a titled group; a :class:`Part` groups the blocks about one
graded function, and a bullet :class:`Item` may say which code cell it is about, so
that the feedback notebook can put each piece beside the cell it concerns.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

CODE = re.compile(r"`([^`\n]+)`")
BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Item:
    text: str
    cell: int | None = None  # the code cell (1-based among code cells) it is about


@dataclass(frozen=True)
class Bullets:
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Footer:
    text: str


@dataclass(frozen=True)
class Part:
    """The blocks about one graded function (``function``), kept together."""

    function: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Section:
    """A titled section (rendered as a level-2 heading and its blocks)."""

    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


Block = Heading | Paragraph | Table | Bullets | Footer | Part | Section
"""Any block of a feedback document."""


def bullets(texts: Iterable[str], cell: int | None = None) -> Bullets:
    """A bullet list of ``texts`` (an empty list renders as nothing)."""
    return Bullets(tuple(Item(t, cell) for t in texts))


def flat(blocks: Iterable[Block]) -> Iterator[Block]:
    """The blocks with every Part and Section opened in place (and empty lists left out)."""
    for block in blocks:
        if isinstance(block, Section):
            yield Heading(2, block.title)
            yield from flat(block.blocks)
        elif isinstance(block, Part):
            yield from flat(block.blocks)
        elif not (isinstance(block, Bullets) and not block.items):
            yield block


# ------------------------------------------------------------------ Markdown
def markdown(blocks: Iterable[Block]) -> str:
    """The blocks as Markdown: one blank line between blocks."""
    return "\n\n".join(_md(b) for b in flat(blocks)) + "\n"


def _md(block: Block) -> str:
    if isinstance(block, Heading):
        return f"{'#' * block.level} {block.text}"
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Table):
        rows = [block.header, ["---"] * len(block.header), *block.rows]
        return "\n".join("| " + " | ".join(row) + " |" for row in rows)
    if isinstance(block, Bullets):
        return "\n".join(f"- {item.text}" for item in block.items)
    if isinstance(block, Footer):
        return f"---\n{block.text}"
    raise TypeError(f"not a feedback block: {block!r}")


# ------------------------------------------------------------------ HTML
def html_body(blocks: Iterable[Block]) -> str:
    """The blocks as HTML elements (no page around them)."""
    return "\n".join(_html(b) for b in flat(blocks))


def _html(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{inline_html(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{inline_html(block.text)}</p>"
    if isinstance(block, Table):
        head = "".join(f"<th>{inline_html(h)}</th>" for h in block.header)
        rows = "".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in row) + "</tr>"
                       for row in block.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{inline_html(i.text)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Footer):
        return f'<hr><p class="footer">{inline_html(block.text)}</p>'
    raise TypeError(f"not a feedback block: {block!r}")


def inline_html(text: str) -> str:
    """Escaped text with ```code``` and ``**bold**`` as elements and line breaks kept."""
    codes: list[str] = []

    # code spans aside first: no bold inside them, and bold may span them
    def keep(match: re.Match[str]) -> str:
        codes.append(f"<code>{html.escape(match.group(1))}</code>")
        return f"\0{len(codes) - 1}\0"

    text = html.escape(CODE.sub(keep, str(text).replace("\0", "")))
    text = BOLD.sub(r"<strong>\1</strong>", text)
    text = re.sub("\0(\\d+)\0", lambda m: codes[int(m.group(1))], text)
    return text.replace("\n", "<br>")
