"""Build notebooks that differ from the master in a few places (for the test suite)."""

import pathlib

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
MASTER = ROOT / "solutions" / "hidden_state_activation.ipynb"
STUDENT = ROOT / "assignments" / "hidden_state_activation.ipynb"


def function_cell_index(notebook, name):
    """Index of the code cell that defines ``name`` at the top level."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and cell.source.lstrip().startswith(f"def {name}("):
            return index
    raise KeyError(f"no cell defines {name}")


def variant(path, replace=None, append=(), base=MASTER):
    """Write a copy of ``base`` to ``path`` with function cells replaced and cells appended.

    ``replace`` maps a graded function's name to the new source of its cell.
    """
    notebook = nbformat.read(base, as_version=4)
    for name, source in (replace or {}).items():
        notebook.cells[function_cell_index(notebook, name)].source = source
    for source in append:
        notebook.cells.append(nbformat.v4.new_code_cell(source))
    for index, cell in enumerate(notebook.cells):
        cell.id = f"v-{index}"
    nbformat.write(notebook, path)
    return pathlib.Path(path)
