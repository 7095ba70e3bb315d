"""Where the project's files are, and which assignment they make.

An assignment is named by its master notebook: ``solutions/<name>.ipynb`` gives
``assignments/<name>.ipynb`` (the student's copy) and
``autograder/<name>-autograder.zip``. Its questions come from the master's
``BEGIN QUESTION`` cells, written into the zip's ``hsa_config.json`` by
``hsa assign``; nothing else in the package names them.
"""

import pathlib
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[2]
"""The project folder when run from a clone (meaningless inside an installed wheel)."""

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
    def name(self):
        return self.master.stem

    @property
    def title(self):
        return title_of(self.name)

    @property
    def student(self):
        return self.out / "assignments" / self.master.name

    @property
    def zip(self):
        return self.out / "autograder" / f"{self.name}{ZIP_SUFFIX}"


def title_of(name):
    """``hidden_state_activation`` -> ``Hidden State Activation`` (report, Canvas column)."""
    return name.replace("_", " ").title()


DEFAULT = Assignment(SOLUTIONS / f"{DEFAULT_NAME}.ipynb")
