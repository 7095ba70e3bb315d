"""requirements.txt of the autograder: what grading needs, pinned, for every supported Python.

The grading image needs, besides the hsa wheel, numpy (grader and worker), nbformat (reading
submissions) and otter-grader's test-file classes, with their dependencies, pinned as in
constraints.txt (with its environment markers), installed with ``--no-deps``. The dependency
closure is read from the installed packages' metadata, which only a development environment
(scripts/setup.sh: every pin of constraints.txt) holds; so it is computed here and the result
is shipped in the package (``hsa/platforms/gradescope/files/requirements.txt``), where ``hsa assign``
finds it wherever hsa is installed. tests/test_assignment.py keeps the two equal.

    .venv/bin/python -m hsa_dev.requirements   # rewrite it after changing constraints.txt
"""

from __future__ import annotations

import importlib.metadata
import pathlib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from hsa.assign import GRADESCOPE_FILES
from hsa.exceptions import AssignError
from hsa.project import CONSTRAINTS

SHIPPED = GRADESCOPE_FILES / "requirements.txt"
GRADING_REQUIREMENTS = ("numpy", "nbformat", "otter-grader")
WITHOUT_DEPENDENCIES = {"otter-grader"}
"""Installed without their own dependencies: of otter-grader the grader loads only
``otter.test_files`` (standard library only; see hsa.trusted.otter_tests), so pandas,
nbconvert, Sphinx and the rest of Otter's chain stay out of the image."""
NEWEST_PYTHON_MINOR = 13
SUPPORTED_PYTHONS = tuple(f"3.{minor}" for minor in range(
    int(importlib.metadata.metadata("hidden-state-activation")["Requires-Python"].removeprefix(">=3.")),
    NEWEST_PYTHON_MINOR + 1))
"""The Pythons the zip is built and tested for, from the oldest pyproject.toml's
requires-python allows (its one home; setup.sh refuses older ones) to the newest tested:
requirements.txt holds what any of them needs."""


def grading_requirements(constraints):
    """The lines of ``constraints`` (with their environment markers) that pin
    GRADING_REQUIREMENTS and their dependency closure: the zip's requirements.txt."""
    needed = dependency_closure(GRADING_REQUIREMENTS)
    lines = [line for line in pathlib.Path(constraints).read_text().splitlines()
             if line.strip() and not line.startswith("#") and _pinned_name(line) in needed]
    missing = needed - {_pinned_name(line) for line in lines}
    if missing:
        raise AssignError(f"{constraints} pins no version of {', '.join(sorted(missing))}, which "
                          "grading needs; add the version installed here (pip freeze)")
    header = ["# Made from constraints.txt by `python -m hsa_dev.requirements`: what grading needs,",
              "# pinned; hsa assign copies it into the autograder zip. The dependency closure is",
              "# complete, so setup.sh installs it with --no-deps (which leaves otter-grader's own",
              "# dependencies out: the grader loads only its test files)."]
    return "\n".join(header + lines) + "\n"


def dependency_closure(names):
    """``names`` and everything they need on any supported Python, by the installed packages'
    metadata (the development environment holds every pin of constraints.txt)."""
    needed, todo = set(), [canonicalize_name(name) for name in names]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        if name in WITHOUT_DEPENDENCIES:
            continue
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            raise AssignError(f"{name} is not installed here, so its dependencies are unknown; "
                              "run scripts/setup.sh (pip install -c constraints.txt -e .)") from None
        todo += [canonicalize_name(r.name) for r in map(Requirement, requires) if _needed(r)]
    return needed


def _needed(requirement):
    """True when some supported Python needs ``requirement`` (extras are never installed)."""
    if requirement.marker is None:
        return True
    environments = ({"python_version": version, "python_full_version": f"{version}.0", "extra": ""}
                    for version in SUPPORTED_PYTHONS)
    return any(requirement.marker.evaluate(environment) for environment in environments)


def _pinned_name(line):
    return canonicalize_name(Requirement(line.split("#")[0]).name)


if __name__ == "__main__":
    SHIPPED.write_text(grading_requirements(CONSTRAINTS))
    print(f"wrote {SHIPPED}")
