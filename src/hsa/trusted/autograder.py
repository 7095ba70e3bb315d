"""Load the autograder zip on the trusted side: its Otter test files, checks and config.

The zip that ``hsa assign`` writes is the single source of every check: the
same test files run inside the student's kernel under ``otter run`` and here,
in the trusted process, against stand-ins that forward each call to the
sandbox.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pathlib
import sys
import tempfile
import types
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..exceptions import AutograderMissing, SettingsError
from ..hashing import file_digest, sha256_file
from ..project import DEFAULT, title_of
from ..sandbox.session import Budgets
from ..settings import Settings, Visibility
from .choice import Expected
from .otter_tests import load_test_file

if TYPE_CHECKING:
    from otter.test_files.exception_test import ExceptionTestFile

CONFIG_NAME = "hsa_config.json"
SOLUTION_NAME = "solution.py"  # the master's solution code (hsa assign), for the mutants


@dataclass(frozen=True)
class Config:
    """What ``hsa assign`` writes beside Otter's tests (``hsa_config.json``): the assignment's
    name, its questions in order, and its settings, resolved."""

    assignment: str
    questions: tuple[str, ...]
    settings: Settings

    def to_json(self) -> str:
        data = {"assignment": self.assignment, "questions": list(self.questions),
                "settings": self.settings.to_mapping()}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes, source: str) -> Config:
        """Read it back; an autograder made before the settings had a record of their own
        kept them at the top level, beside the name and the questions."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise SettingsError(f"{source} is not JSON ({error}); regenerate the autograder "
                                "with hsa assign") from None
        if not isinstance(data, dict):
            raise SettingsError(f"{source} is not a mapping; regenerate the autograder with hsa assign")
        legacy = {k: v for k, v in data.items() if k not in ("assignment", "questions")}
        settings = data["settings"] if "settings" in data else legacy
        return cls(str(data.get("assignment", DEFAULT.name)), tuple(data.get("questions", ())),
                   Settings.from_mapping(settings, source))


@dataclass
class Autograder:
    path: pathlib.Path
    sha256: str | None  # of the zip; None when loaded from a folder (Gradescope has no zip)
    config: Config  # hsa_config.json: name, questions, settings
    tests: list[ExceptionTestFile] = field(default_factory=list)  # in question order
    check_modules: dict[str, types.ModuleType] = field(default_factory=dict)  # files/*.py by name
    content_sha256: str = ""  # the same for the zip and for the folder it unpacks to
    solution: str = ""  # the master's solution code (SOLUTION_NAME); "" in an older zip

    def activate(self, seed: int) -> None:
        """Make this zip's check modules the ones the test files import, seeded with ``seed``.

        The test functions import ``hidden_checks`` by name when they run, so a process
        that loaded another autograder since must point the names back here first.
        """
        sys.modules.update(self.check_modules)
        for module in self.check_modules.values():
            if hasattr(module, "set_seed"):
                module.set_seed(seed)

    @property
    def name(self) -> str:
        """The assignment's name (its master notebook's, without ``.ipynb``)."""
        return self.config.assignment

    @property
    def title(self) -> str:
        return title_of(self.name)

    @property
    def questions(self) -> list[str]:
        return [t.name for t in self.tests]

    @property
    def max_score(self) -> float:
        """The assignment's total: every test case's points, as the master gives them."""
        return sum(t.possible for t in self.tests)

    @property
    def settings(self) -> Settings:
        return self.config.settings

    @property
    def visibility(self) -> Visibility:
        """Gradescope's visibility of the public checks and of the hidden tests."""
        return self.settings.visibility

    @property
    def graded_functions(self) -> list[str]:
        """The names the test functions take from the student's notebook."""
        return sorted({name for test in self.tests for case in test.test_cases
                       for name in case.body._get_func_params() if name != "env"})

    @property
    def budgets(self) -> Budgets:
        """The time budgets the master's settings set (:class:`~hsa.sandbox.session.Budgets`)."""
        return Budgets.of(self.settings)

    @property
    def expected(self) -> Expected:
        """What is expected of a student's file, to choose one (:mod:`.choice`)."""
        return Expected(self.name, tuple(self.graded_functions))


def read_config(path: pathlib.Path | None = None) -> Config:
    """The zip's ``hsa_config.json`` (name, questions, settings), without loading its checks."""
    path = path or DEFAULT.zip
    with zipfile.ZipFile(path) as archive:
        return Config.from_json(archive.read(CONFIG_NAME), f"{CONFIG_NAME} in {path}")


def content_sha256(folder: str | os.PathLike[str]) -> str:
    """A digest of the unpacked files (names and bytes), comparable with Gradescope's copy."""
    digest = hashlib.sha256()
    for path in sorted(p for p in pathlib.Path(folder).rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(file_digest(path).digest())
    return digest.hexdigest()


def load(path: str | os.PathLike[str] | None = None) -> Autograder:
    """Load the autograder (its zip, or the folder it was unpacked to) into this process.

    A zip is unpacked into a temporary folder that is gone when this returns: the test
    files and check modules are in memory by then.
    """
    path = pathlib.Path(path or DEFAULT.zip)
    if path.is_dir():  # already unpacked, as on Gradescope (/autograder/source)
        return _load_folder(path, path, None)
    if not path.is_file():
        raise AutograderMissing(f"No autograder zip at {path}. Regenerate it with "
                                "`hsa assign`, or pass --autograder PATH.")
    with tempfile.TemporaryDirectory(prefix="hsa-autograder-") as folder:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        return _load_folder(pathlib.Path(folder), path, sha256_file(path))


def _load_folder(folder: pathlib.Path, path: pathlib.Path, sha256: str | None) -> Autograder:
    config = Config.from_json((folder / CONFIG_NAME).read_bytes(), f"the autograder's {CONFIG_NAME}")
    modules = _import_checks(folder / "files")
    order = {name: i for i, name in enumerate(config.questions)}
    tests = sorted(
        (load_test_file(p) for p in (folder / "tests").glob("*.py")),
        key=lambda t: (order.get(t.name, len(order)), t.name),
    )
    solution = folder / SOLUTION_NAME
    return Autograder(path, sha256, config, tests, modules, content_sha256(folder),
                      solution.read_text() if solution.is_file() else "")


def _import_checks(files: pathlib.Path) -> dict[str, types.ModuleType]:
    """Import the zip's check modules (``files/*.py``, the master's support files) under
    their own names, replacing any loaded before; return them by name."""
    names = sorted(p.stem for p in files.glob("*.py"))
    for name in names:
        sys.modules.pop(name, None)
    sys.path.insert(0, str(files))
    try:
        return {name: importlib.import_module(name) for name in names}
    finally:
        sys.path.remove(str(files))
