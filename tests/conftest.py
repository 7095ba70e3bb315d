import functools
import importlib
import os
import pathlib
import sys

import pytest

SEED = 20261125


def _total():
    from hsa.trusted import autograder as autograders
    return autograders.load().max_score


TOTAL = _total()  # the assignment's points, as the autograder gives them (15 today)
TOTAL_TEXT = f"{TOTAL:g}"  # as the gradebook and the terminal write it


def on_disk(kind):
    """How many cases of ``kind`` the catalogue folder holds (one file each): the exact
    count a test expects, taken from the folder, not from what reads or grades it."""
    from hsa.project import CATALOGUE
    return len(list((CATALOGUE / kind).glob("*.py")))

# Fixtures that load the autograder or start the sandbox: a test that uses one is slow.
SANDBOX_FIXTURES = {"autograder", "isolation", "grade"}
# Fixtures that start bubblewrap: a test that uses one needs it to work here.
BWRAP_FIXTURES = {"isolation", "grade"}


def pytest_collection_modifyitems(items):
    """Mark ``sandbox`` every test that uses a grading fixture, wherever it is written, so
    that ``pytest -m "not sandbox"`` never starts one. (The slow modules also say
    ``pytestmark = pytest.mark.sandbox`` for the tests that run otter, a kernel or the
    Gradescope harness without these fixtures.)

    Then skip, saying why, what this machine cannot run (the suite also runs as an
    ordinary user): ``@pytest.mark.root(why)`` tests when not root, and ``bwrap`` tests (and
    those using a bubblewrap fixture) where bubblewrap cannot start a sandbox."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if SANDBOX_FIXTURES & fixtures:
            item.add_marker(pytest.mark.sandbox)
        if BWRAP_FIXTURES & fixtures:
            item.add_marker(pytest.mark.bwrap)
        root = item.get_closest_marker("root")
        if root is not None and os.geteuid() != 0:
            item.add_marker(pytest.mark.skip(reason=f"needs root: {root.args[0]}"))
        if item.get_closest_marker("bwrap") is not None and _bwrap_problem():
            item.add_marker(pytest.mark.skip(reason=_bwrap_problem()))
        if item.get_closest_marker("container") is not None and _container_problem():
            item.add_marker(pytest.mark.skip(reason=_container_problem()))


@functools.lru_cache(maxsize=None)
def _bwrap_problem():
    """Why bubblewrap cannot start a sandbox here (asked once, at collection), or None."""
    from hsa.sandbox.host import bwrap_problem
    return bwrap_problem()


@functools.lru_cache(maxsize=None)
def _container_problem():
    """Why the platforms' containers cannot run here (neither podman nor an exported image
    under bubblewrap), or None."""
    from hsa_dev.containers import cannot_run
    from hsa_dev.platform_runs import COURSERA_FOLDER, PRAIRIELEARN_FOLDER
    return cannot_run([COURSERA_FOLDER, PRAIRIELEARN_FOLDER / "image"])


@pytest.fixture(scope="session")
def autograder():
    from hsa.trusted import autograder as autograders
    return autograders.load()


@pytest.fixture(scope="session")
def isolation():
    """The suite needs bubblewrap: CI installs it (.ci/run)."""
    from hsa.sandbox.isolation import choose_isolation
    return choose_isolation(allow_unsandboxed=False)


@pytest.fixture
def grade(autograder, isolation):
    """Grade a notebook path with the trusted, sandboxed grader; returns the Result."""
    from hsa.trusted.grader import grade_file

    def run(path, seed=SEED, timeout=None):
        return grade_file(path, pathlib.Path(path).stem, autograder, seed, isolation, timeout)
    return run


@pytest.fixture
def worker(monkeypatch):
    """The sandboxed worker module, imported as the sandbox imports it (beside protocol.py)."""
    from hsa import untrusted
    monkeypatch.syspath_prepend(untrusted.__path__[0])
    monkeypatch.delitem(sys.modules, "worker", raising=False)
    monkeypatch.delitem(sys.modules, "protocol", raising=False)
    return importlib.import_module("worker")


class Clock:
    """time.monotonic for the clock of a sandbox's budgets (hsa.sandbox.clock), moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """A Clock in place of the budgets' time.monotonic."""
    from hsa.sandbox import clock as clocks
    clock = Clock()
    monkeypatch.setattr(clocks.time, "monotonic", clock)
    return clock
