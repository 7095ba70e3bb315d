"""Where the project's files are, and which assignment they make.

An assignment is named by its master notebook: ``solutions/<name>.ipynb`` gives
``assignments/<name>.ipynb`` (the student's copy) and
``autograder/<name>-autograder.zip``. Its questions come from the master's
``BEGIN QUESTION`` cells, written into the zip's ``hsa_config.json`` by
``hsa assign``; nothing else in the package names them.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

from .exceptions import AutograderMissing, GradingError

ROOT = pathlib.Path(__file__).resolve().parents[2]
"""The project folder when run from a clone (see :data:`IN_CLONE`)."""
IN_CLONE = (ROOT / "pyproject.toml").is_file() and (ROOT / "solutions").is_dir()
"""True when hsa runs from a clone of the project (scripts/setup.sh's editable install); after
``pip install`` nothing defaults to the project's own files, and every path is the user's."""

SOLUTIONS = ROOT / "solutions"
EXAMPLES = ROOT / "examples" / "submissions"
CATALOGUE = ROOT / "tests" / "catalogue"
CONSTRAINTS = ROOT / "constraints.txt"
DEFAULT_NAME = "hidden_state_activation"
ZIP_SUFFIX = "-autograder.zip"


@dataclass(frozen=True)
class Assignment:
    """One assignment: its master notebook, and the folder its generated files go to."""

    master: pathlib.Path
    out: pathlib.Path = ROOT

    @property
    def name(self) -> str:
        return self.master.stem

    @property
    def title(self) -> str:
        return title_of(self.name)

    @property
    def student(self) -> pathlib.Path:
        return self.out / "assignments" / self.master.name

    @property
    def zip(self) -> pathlib.Path:
        return self.out / "autograder" / f"{self.name}{ZIP_SUFFIX}"


def default_autograder(folder: pathlib.Path | None = None) -> pathlib.Path:
    """The autograder zip ``hsa grade`` uses when none is named: the one ``hsa assign`` wrote
    under ``autograder/`` in ``folder`` (the current one), else the project's own in a clone."""
    found = sorted((folder or pathlib.Path.cwd()).glob(f"autograder/*{ZIP_SUFFIX}"))
    if len(found) > 1:
        raise AutograderMissing(f"autograder/ holds {len(found)} autograder zips "
                                f"({', '.join(p.name for p in found)}); choose one with --autograder PATH")
    if found:
        return found[0]
    if IN_CLONE:
        return DEFAULT.zip
    raise AutograderMissing("no autograder zip was named and there is none in ./autograder/: pass "
                            "--autograder PATH (hsa assign MASTER writes one into autograder/ "
                            "beside the master's folder)")


def default_submissions() -> list[pathlib.Path]:
    """What ``hsa grade`` grades when no path is given: the bundled examples, in a clone."""
    if not IN_CLONE:
        raise GradingError("name what to grade: hsa grade PATH ... (notebooks, export zips, "
                           "folders of them, or a class download)")
    return [EXAMPLES]


def title_of(name: str) -> str:
    """``hidden_state_activation`` -> ``Hidden State Activation`` (report, Canvas column)."""
    return name.replace("_", " ").title()


DEFAULT = Assignment(SOLUTIONS / f"{DEFAULT_NAME}.ipynb")
