import pathlib

import pytest

from hsa.sandbox.isolation import choose_isolation
from hsa.trusted import autograder as autograders
from hsa.trusted.grader import grade_file

SEED = 20261125


@pytest.fixture(scope="session")
def autograder():
    return autograders.load()


@pytest.fixture(scope="session")
def isolation():
    """The suite needs bubblewrap: CI installs it (.ci/run)."""
    return choose_isolation(allow_unsandboxed=False)


@pytest.fixture
def grade(autograder, isolation):
    """Grade a notebook path with the trusted, sandboxed grader; returns the Result."""
    def run(path, seed=SEED, timeout=None):
        return grade_file(path, pathlib.Path(path).stem, autograder, seed, isolation, timeout)
    return run
