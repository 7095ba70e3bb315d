"""Otter's exception-based test files, loaded without the rest of Otter.

The trusted grader needs two modules of otter-grader: ``otter/test_files/abstract_test.py``
and ``exception_test.py``, which parse the autograder's test files and import only the
standard library; the test files in turn do ``from otter.test_files import test_case``.
Imported the ordinary way, they bring ``otter/__init__.py`` and
``otter/test_files/__init__.py`` along, and with them Otter's whole API: pandas, nbconvert,
jupytext, IPython and more: loading the autograder then peaks at 108 MB instead of 41 MB
and takes 1.7 s instead of 0.45 s (``/usr/bin/time`` on Python 3.11). The Gradescope image therefore installs otter-grader with ``--no-deps``, where
that import would fail outright.

So, when ``otter`` is not imported yet, :func:`test_files` registers light ``otter`` and
``otter.test_files`` packages in ``sys.modules``: made from otter's own module specs (its
files and folders, so that the two submodules load from otter's installation) but never
executed, exposing only the test-file classes. A process that also needs the rest of Otter
must import ``otter`` before it loads an autograder; then Otter's own ``otter.test_files``
is used as it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from importlib.machinery import ModuleSpec
from typing import TYPE_CHECKING, NoReturn, cast

if TYPE_CHECKING:
    from otter.test_files.exception_test import ExceptionTestFile

EXPORTS = ("test_case", "ExceptionTestFile")  # what the test files and the grader use
SUBMODULES = ("abstract_test", "exception_test")  # standard library only


def test_files() -> types.ModuleType:
    """The ``otter.test_files`` module the test files import, light unless Otter is loaded."""
    if "otter" in sys.modules:
        return importlib.import_module("otter.test_files")
    spec = importlib.util.find_spec("otter")
    if spec is None:
        raise ImportError("otter-grader is not installed; install the pinned version from "
                          "constraints.txt (pip install --no-deps otter-grader==...)")
    otter = _unexecuted(spec)
    sys.modules["otter"] = otter
    try:
        # found, since otter was; set on otter as an import would (a name the type checker
        # cannot know on a module object)
        package = _unexecuted(cast(ModuleSpec, importlib.util.find_spec("otter.test_files")))
        sys.modules["otter.test_files"] = otter.test_files = package  # type: ignore[attr-defined]
        for name in SUBMODULES:
            importlib.import_module(f"otter.test_files.{name}")
    except BaseException:
        for name in [n for n in sys.modules if n == "otter" or n.startswith("otter.")]:
            del sys.modules[name]
        raise
    exception_test = sys.modules["otter.test_files.exception_test"]
    for name in EXPORTS:
        setattr(package, name, getattr(exception_test, name))
    return package


def _unexecuted(spec: ModuleSpec) -> types.ModuleType:
    """A package module with the spec's files and folders, its ``__init__.py`` not run."""
    module = importlib.util.module_from_spec(spec)
    module.__getattr__ = lambda name: _missing(spec.name, name)  # type: ignore[method-assign]  # PEP 562
    return module


def _missing(module: str, name: str) -> NoReturn:
    raise AttributeError(
        f"{module}.{name}: hsa.trusted.otter_tests loaded only Otter's test-file classes; "
        "a process that needs the rest of Otter must import otter before loading an autograder"
    )


def load_test_file(path: str | os.PathLike[str]) -> ExceptionTestFile:
    """Parse one of the autograder's exception-based test files (an ``ExceptionTestFile``)."""
    # the class is read off a module object, which the type checker cannot see into
    test_file: ExceptionTestFile = test_files().ExceptionTestFile.from_file(str(path))
    return test_file
