"""The student's own notebook with their feedback written in (``hsa grade --feedback-notebook``).

A copy of the notebook graded, with markdown cells added, each rendered from the
same blocks as feedback.md (:func:`~hsa.writers.feedback_blocks.feedback_blocks`): the
score and the table at the top, each graded function's part after the cell that
defines it, each cell that did not run cleanly's note after that cell, and what
belongs to no cell (functions never defined, files set aside) at the top too.

The notebook is the student's data: it is read as JSON, never executed, never
trusted. It is parsed within a bound (:data:`MAX_BYTES`, outputs dropped above
:data:`MAX_OUTPUT_BYTES`) and only cells are added; the student's cells are copied
as they are. The added cells carry ``"hsa_feedback": true`` in their metadata.
"""

from __future__ import annotations

import json
import pathlib
import re
from typing import TYPE_CHECKING, Iterable, cast

if TYPE_CHECKING:  # nbformat is imported where a notebook is made: a run that makes none
    from nbformat import NotebookNode  # never loads it (10 MB with its validator's schemas)

from ..exceptions import InvalidSubmission
from ..trusted.submission import drop_outputs, read_bytes
from .document import Block, Bullets, Paragraph, Part, Section, Table, markdown
from .graded import Graded
from .wording import NOTEBOOK_TEXT

MAX_BYTES = 64 << 20  # larger notebooks get no feedback copy (their feedback.html stands)
MAX_OUTPUT_BYTES = 16 << 20  # above this, the copy drops the saved outputs (plots)
MARK = {"hsa_feedback": True}
SUFFIX = "-feedback.ipynb"


def feedback_notebook(path: pathlib.Path, graded: Graded) -> str:
    """The feedback notebook's JSON text for the notebook (or export zip) at ``path``;
    InvalidSubmission when it cannot be read or is larger than the bound."""
    import nbformat
    data = read_bytes(path)
    if len(data) > MAX_BYTES:
        raise InvalidSubmission(f"the notebook is larger than {MAX_BYTES >> 20} MB")
    try:
        raw = json.loads(data)
        if len(data) > MAX_OUTPUT_BYTES:
            drop_outputs(raw)
        notebook: NotebookNode = nbformat.convert(nbformat.from_dict(raw), 4)
    except Exception as error:  # the student's file: any failure to read is theirs
        why = type(error).__name__
        raise InvalidSubmission(f"the notebook could not be read ({why})") from None
    del data, raw
    top, functions, cells = _placed(graded.blocks)
    table = next((i for i, b in enumerate(top) if isinstance(b, Table)), len(top) - 1)
    top.insert(table + 1, Paragraph(NOTEBOOK_TEXT))
    code = [c for c in notebook.cells if c.get("cell_type") == "code"]
    after: dict[int, list[Block]] = {}  # id of a student's cell -> the blocks to add after it
    for function, blocks in functions.items():
        defining = _defining(code, function)
        if defining is None:
            top += blocks  # a function never defined: said at the top
        else:
            after.setdefault(id(defining), []).extend(blocks)
    for index, blocks in cells.items():
        cell = code[index - 1] if 0 < index <= len(code) else None
        target = after.setdefault(id(cell), []) if cell is not None else top
        target.extend(blocks)
    ids = notebook.get("nbformat_minor", 0) >= 5  # cell ids exist from nbformat 4.5 on
    added = [_cell(top, ids)]
    for cell in notebook.cells:
        added.append(cell)
        if id(cell) in after:
            added.append(_cell(after[id(cell)], ids, "**Feedback**\n\n"))
    notebook.cells = added
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _placed(blocks: Iterable[Block]) -> tuple[list[Block], dict[str, list[Block]], dict[int, list[Block]]]:
    """(blocks for the top, {function: its blocks}, {code cell index: its blocks})."""
    top: list[Block] = []
    functions: dict[str, list[Block]] = {}
    cells: dict[int, list[Block]] = {}
    for block in blocks:
        if isinstance(block, Section):
            kept = _placed(block.blocks)
            functions.update(kept[1])
            for index, found in kept[2].items():
                cells.setdefault(index, []).extend(found)
            if kept[0]:
                top += [Section(block.title, tuple(kept[0]))]
        elif isinstance(block, Part):
            functions[block.function] = [block]
        elif isinstance(block, Bullets) and any(i.cell for i in block.items):
            for item in block.items:
                # every item of such a list has its cell (hsa.writers.feedback_blocks' cell problems)
                cells.setdefault(cast(int, item.cell), []).append(Bullets((item,)))
        else:
            top.append(block)
    return top, functions, cells


def _defining(code: list[NotebookNode], function: str) -> NotebookNode | None:
    """The last code cell that defines ``function`` (the one the notebook ran last)."""
    pattern = re.compile(rf"^def\s+{re.escape(function)}\s*\(", re.M)
    found = [c for c in code if pattern.search(_source(c))]
    return found[-1] if found else None


def _source(cell: NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _cell(blocks: Iterable[Block], ids: bool, lead: str = "") -> NotebookNode:
    import nbformat
    cell: NotebookNode = nbformat.v4.new_markdown_cell(lead + markdown(blocks))
    cell.metadata.update(MARK)
    if not ids:
        del cell["id"]
    return cell
