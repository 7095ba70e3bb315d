"""Notebooks that differ from the master in a few functions (catalogue cases, tests).

A variant is the master notebook with the cells of some graded functions
replaced. It can be given as a mapping (function name -> new cell source) or
as plain Python source: :func:`split_source` cuts the source into one cell per
graded function it defines (statements before a definition, such as imports,
go into that function's cell), and whatever follows the last definition
becomes a cell appended at the end of the notebook.
"""

import ast
import pathlib

import nbformat

from hsa.project import DEFAULT

MASTER = DEFAULT.master
STUDENT = DEFAULT.student


def function_cell_index(notebook, name):
    """Index of the code cell that defines ``name`` at the top level."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and cell.source.lstrip().startswith(f"def {name}("):
            return index
    raise KeyError(f"no cell defines {name}")


def graded_functions(notebook):
    """Names of the functions the notebook defines in cells of their own, in order."""
    names = []
    for cell in notebook.cells:
        source = cell.source.lstrip()
        if cell.cell_type == "code" and source.startswith("def "):
            names.append(source[4:].split("(", 1)[0].strip())
    return names


def split_source(source, names):
    """Cut Python ``source`` into ``({function: cell source}, [appended cell sources])``.

    ``names`` are the graded functions. Each top-level ``def`` of one of them
    ends a cell that holds it and the statements before it.
    """
    lines = source.splitlines()
    replace, start = {}, 0
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            if node.name in replace:
                raise ValueError(f"{node.name} is defined twice")
            replace[node.name] = _cell(lines[start:node.end_lineno])
            start = node.end_lineno
    rest = _cell(lines[start:])
    return replace, [rest] if rest else []


def _cell(lines):
    return "\n".join(lines).strip("\n")


def variant(path, replace=None, append=(), base=MASTER, source=None):
    """Write a copy of ``base`` to ``path`` with function cells replaced and cells appended.

    ``replace`` maps a graded function's name to the new source of its cell;
    ``source`` is Python source split by :func:`split_source` (both may be given).
    """
    notebook = nbformat.read(base, as_version=4)
    replace, append = dict(replace or {}), list(append)
    if source is not None:
        more, extra = split_source(source, graded_functions(notebook))
        replace.update(more)
        append += extra
    for name, cell_source in replace.items():
        notebook.cells[function_cell_index(notebook, name)].source = cell_source
    for cell_source in append:
        notebook.cells.append(nbformat.v4.new_code_cell(cell_source))
    for index, cell in enumerate(notebook.cells):
        cell.id = f"v-{index}"
    nbformat.write(notebook, path)
    return pathlib.Path(path)
