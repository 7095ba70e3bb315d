"""Load the autograder zip on the trusted side: its Otter test files, checks and budgets.

The zip that ``hsa assign`` writes is the single source of every check: the
same test files run inside the student's kernel under ``otter run`` and here,
in the trusted process, against stand-ins that forward each call to the
sandbox.
"""

import hashlib
import importlib
import json
import pathlib
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field

from . import PACKAGE_ROOT
from hsa.trusted.otter_tests import load_test_file  # absolute: this module moves to hsa.trusted

DEFAULT_ZIP = PACKAGE_ROOT / "autograder" / "hidden_state_activation-autograder.zip"
CONFIG_NAME = "hsa_config.json"
CHECK_MODULES = ("public_checks", "hidden_checks")

DEFAULT_CONFIG = {
    "questions": [],
    "cell_budget_seconds": 10,
    "call_budget_seconds": 5,
    "submission_budget_seconds": 60,
    "visibility": {"public": "visible", "hidden": "after_published"},
}


@dataclass
class Autograder:
    path: pathlib.Path
    sha256: str | None  # of the zip; None when loaded from a folder (Gradescope has no zip)
    config: dict
    tests: list = field(default_factory=list)  # otter TestFile objects, in question order
    check_modules: dict = field(default_factory=dict)  # name -> module, from this zip
    content_sha256: str = ""  # the same for the zip and for the folder it unpacks to

    def activate(self, seed):
        """Make this zip's check modules the ones the test files import, seeded with ``seed``.

        The test functions import ``hidden_checks`` by name when they run, so a process
        that loaded another autograder since must point the names back here first.
        """
        sys.modules.update(self.check_modules)
        self.check_modules["hidden_checks"].set_seed(seed)

    @property
    def graded_functions(self):
        """The names the test functions take from the student's notebook."""
        return sorted({name for test in self.tests for case in test.test_cases
                       for name in case.body._get_func_params() if name != "env"})


def sha256_file(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def content_sha256(folder):
    """A digest of the unpacked files (names and bytes), comparable with Gradescope's copy."""
    digest = hashlib.sha256()
    for path in sorted(p for p in pathlib.Path(folder).rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load(path=DEFAULT_ZIP):
    """Load the autograder (its zip, or the folder it was unpacked to) into this process."""
    path = pathlib.Path(path)
    if path.is_dir():  # already unpacked, as on Gradescope (/autograder/source)
        folder = path
    elif path.is_file():
        folder = pathlib.Path(tempfile.mkdtemp(prefix="hsa-autograder-"))
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
    else:
        raise FileNotFoundError(
            f"No autograder zip at {path}. Regenerate it with `hsa assign`, or pass "
            "--autograder PATH."
        )
    config = {**DEFAULT_CONFIG, **json.loads((folder / CONFIG_NAME).read_text())}
    _import_checks(folder / "files")
    order = {name: i for i, name in enumerate(config["questions"])}
    tests = sorted(
        (load_test_file(p) for p in (folder / "tests").glob("*.py")),
        key=lambda t: (order.get(t.name, len(order)), t.name),
    )
    modules = {name: sys.modules[name] for name in CHECK_MODULES}
    return Autograder(path, sha256_file(path) if path.is_file() else None, config, tests,
                      modules, content_sha256(folder))


def _import_checks(files):
    """Import the zip's check modules under their own names, replacing any loaded before."""
    for name in CHECK_MODULES:
        sys.modules.pop(name, None)
    sys.path.insert(0, str(files))
    try:
        for name in CHECK_MODULES:
            importlib.import_module(name)
    finally:
        sys.path.remove(str(files))
