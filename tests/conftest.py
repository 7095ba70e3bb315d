import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from hsa import autograder as autograders  # noqa: E402
from hsa.grader import grade_file  # noqa: E402
from hsa.sandbox import choose_isolation  # noqa: E402

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
