"""``hsa assign``: regenerate the student notebook and the autograder zip from the master.

Wraps ``otter assign`` (which also runs every test against the master and
fails if one does not pass), then makes its output reproducible: cell ids
numbered, outputs cleared, zip entries sorted with fixed dates and modes, so
the same master always gives the same bytes.

The master is a notebook stock ``otter assign`` accepts: hsa's own settings
(budgets, visibility, where Colab fetches the public checks) are in ``hsa.yml``
beside it, where Otter does not look (its ``ASSIGNMENT CONFIG`` rejects keys it
does not know). They go into the zip as ``hsa_config.json``.
"""

import ast
import importlib.metadata
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable

import nbformat
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .exceptions import AssignError
from .project import CONSTRAINTS, DEFAULT, ROOT, Assignment
from .trusted.autograder import CONFIG_NAME, SOLUTION_NAME

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
EXECUTABLES = {"run_autograder", "setup.sh"}
GRADESCOPE_FILES = pathlib.Path(__file__).resolve().parent / "gradescope" / "files"
OTTER_ONLY = {"environment.yml", "run_otter.py"}  # Otter's conda set-up, replaced by ours
SETTINGS_NAME = "hsa.yml"
SETTINGS = {"cell_budget_seconds", "call_budget_seconds", "submission_budget_seconds",
            "visibility", "public_checks_url"}
"""The keys ``hsa.yml`` may hold (the README's "For instructors" says what each means)."""

GRADING_REQUIREMENTS = ("numpy", "nbformat", "otter-grader")
"""What the grading image needs, besides the hsa wheel: numpy (grader and worker), nbformat
(reading submissions) and otter-grader's test-file classes. The zip's requirements.txt holds
these and their dependencies, pinned as in constraints.txt, installed with ``--no-deps``."""
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


def regenerate(master: pathlib.Path = DEFAULT.master, out: pathlib.Path = ROOT,
               run_tests: bool = True) -> tuple:
    """Write ``assignments/`` and ``autograder/`` under ``out`` from ``master``."""
    if not pathlib.Path(master).is_file():
        raise AssignError(f"no master notebook at {master}; pass the path of one "
                          "(Otter Assign format)")
    assignment = Assignment(pathlib.Path(master).resolve(), pathlib.Path(out))
    with tempfile.TemporaryDirectory(prefix="hsa-assign-") as tmp:
        stage, dist = pathlib.Path(tmp) / "master", pathlib.Path(tmp) / "dist"
        hsa_config = stage_master(assignment, stage)
        run_otter_assign(stage / assignment.master.name, dist, run_tests)
        if assignment.student.parent.exists():
            shutil.rmtree(assignment.student.parent)
        shutil.copytree(dist / "student", assignment.student.parent)
        normalize_notebook(assignment.student, hsa_config.get("public_checks_url"))
        assignment.zip.parent.mkdir(parents=True, exist_ok=True)
        otter_zip = next((dist / "autograder").glob(f"{assignment.name}-autograder_*.zip"))
        extra = gradescope_files(pathlib.Path(tmp) / "wheel")
        extra[CONFIG_NAME] = json.dumps(hsa_config, indent=2, sort_keys=True).encode()
        extra[SOLUTION_NAME] = solution_code(nbformat.read(assignment.master, as_version=4),
                                             _support_modules(assignment.master.parent)).encode()
        write_reproducible_zip(otter_zip, assignment.zip, extra, drop=OTTER_ONLY)
    return assignment.student, assignment.zip


def stage_master(assignment, stage):
    """Copy the master and its support files; return hsa's config for the zip: the settings
    of ``hsa.yml`` beside the master, the questions and the assignment's name."""
    master = assignment.master
    shutil.copytree(master.parent, stage, ignore=shutil.ignore_patterns(
        "__pycache__", ".ipynb_checkpoints", "*.zip"))
    hsa = read_settings(master.parent / SETTINGS_NAME)
    hsa["questions"] = question_names(nbformat.read(master, as_version=4))
    hsa["assignment"] = assignment.name
    return hsa


def read_settings(path):
    """``hsa.yml``'s settings, without the empty ones; {} when there is no such file."""
    if not path.is_file():
        return {}
    try:
        settings = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise AssignError(f"{path} is not valid YAML ({error}); fix it and run hsa assign again") from None
    unknown = set(settings) - SETTINGS if isinstance(settings, dict) else {"(not a mapping)"}
    if unknown:
        raise AssignError(f"{path}: unknown setting(s) {', '.join(sorted(map(str, unknown)))}; "
                          f"it may set {', '.join(sorted(SETTINGS))}")
    return {key: value for key, value in settings.items() if value is not None}


PROMPT = re.compile(r'^[ \t]*""" # BEGIN PROMPT.*?^[ \t]*""" # END PROMPT[ \t]*\n?', re.M | re.S)
SOLUTION_MARKER = re.compile(r"^[ \t]*# (BEGIN|END) SOLUTION( NO PROMPT)?[ \t]*\n?", re.M)


def solution_code(notebook: nbformat.NotebookNode, skip: Iterable = ()) -> str:
    """The master's solution as a module, for the trusted grader's mutants
    (:mod:`hsa.trusted.mutants`): the top-level imports of its code cells (but those of
    ``skip``, its check modules, and of otter), then every function its ``BEGIN SOLUTION``
    cells define, prompts left out. Instructor code: it goes in the autograder zip only."""
    imports, functions, inside = [], [], False
    for cell in notebook.cells:
        text = cell.source.strip()
        if cell.cell_type == "raw" and text.startswith(("# BEGIN SOLUTION", "# END SOLUTION")):
            inside = text.startswith("# BEGIN")
        if cell.cell_type != "code":
            continue
        source = SOLUTION_MARKER.sub("", PROMPT.sub("", cell.source))
        try:
            tree = ast.parse(re.sub(r"[ \t]*# SOLUTION[ \t]*$", "", source, flags=re.M))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not _imports_any(node, skip):
                imports.append(ast.unparse(node))
            elif inside and isinstance(node, ast.FunctionDef):
                functions.append(ast.unparse(node))
    return "\n".join(dict.fromkeys(imports)) + "\n\n\n" + "\n\n\n".join(functions) + "\n"


def _imports_any(node: ast.Import | ast.ImportFrom, modules: Iterable) -> bool:
    names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
        [alias.name for alias in node.names]
    return any(name.split(".")[0] in {*modules, "otter"} for name in names)


def _support_modules(folder: pathlib.Path) -> set:
    """The master's check modules (the ``.py`` files beside it), by module name."""
    return {path.stem for path in pathlib.Path(folder).glob("*.py")}


def question_names(notebook):
    names = []
    for cell in notebook.cells:
        if cell.cell_type == "raw" and cell.source.lstrip().startswith("# BEGIN QUESTION"):
            names.append(yaml.safe_load(cell.source)["name"])
    return names


def run_otter_assign(notebook, dist, run_tests):
    command = [sys.executable, "-m", "otter", "assign", notebook.name, str(dist)]
    if not run_tests:
        command.append("--no-run-tests")
    done = subprocess.run(command, cwd=notebook.parent, capture_output=True, text=True)
    failed = done.returncode != 0 or re.search(r"Test[s]? failed|failed tests", done.stdout + done.stderr)
    if failed:
        raise AssignError("otter assign failed; its output:\n" + tail(done.stdout) + tail(done.stderr))


def normalize_notebook(path, public_checks_url=None):
    """Stable cell ids, no outputs or execution counts: the same master gives the same bytes.
    With ``public_checks_url``, the set-up cell fetches public_checks.py where it is missing."""
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index:02d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if public_checks_url:
        setup = next((c for c in notebook.cells if SETUP_IMPORT in c.source), None)
        if setup is None:
            raise AssignError(f"public_checks_url is set, but no cell of {path.name} runs "
                              f"`{SETUP_IMPORT}` in a try block; add the master's set-up cell")
        setup.source = fetching_public_checks(setup.source, public_checks_url)
    nbformat.write(notebook, path)


SETUP_IMPORT = "from public_checks import grader"


def fetching_public_checks(source, url):
    """The set-up cell ``source`` with its ``except ModuleNotFoundError:`` branch replaced by
    one that downloads public_checks.py from ``url`` into the kernel's folder, then imports it."""
    head = source.split("\nexcept ModuleNotFoundError:")[0]
    if head == source or SETUP_IMPORT not in head:
        raise AssignError("the set-up cell must import grader in a try block followed by "
                          "`except ModuleNotFoundError:` to fetch public_checks.py")
    return (head + "\nexcept ModuleNotFoundError:  # Google Colab opens a notebook alone: fetch "
            "public_checks.py beside it\n    import urllib.request; urllib.request.urlretrieve("
            f"{url!r}, \"public_checks.py\"); {SETUP_IMPORT}")


def gradescope_files(wheel_dir):
    """What Gradescope needs beside Otter's tests: our setup.sh, run_autograder, pinned
    requirements and a wheel of this package (built reproducibly)."""
    files = {p.name: p.read_bytes() for p in GRADESCOPE_FILES.iterdir() if p.is_file()}
    files["requirements.txt"] = grading_requirements(CONSTRAINTS).encode()
    # A clean copy of the grading package only: no stale build/ output, no developer tools.
    project = pathlib.Path(wheel_dir) / "project"
    shutil.copytree(ROOT / "src" / "hsa", project / "src" / "hsa",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(ROOT / "pyproject.toml", project)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                           "--disable-pip-version-check", "-w", str(wheel_dir), str(project)],
                          capture_output=True, text=True, env=env)
    wheels = list(pathlib.Path(wheel_dir).glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        raise AssignError("building the hsa wheel failed:\n" + tail(done.stderr, 3000))
    files[wheels[0].name] = wheels[0].read_bytes()
    return files


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
    header = ["# Generated by hsa assign from constraints.txt: what grading needs, pinned. The",
              "# dependency closure is complete, so setup.sh installs it with --no-deps (which",
              "# leaves otter-grader's own dependencies out: the grader loads only its test files)."]
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


def write_reproducible_zip(source, target, extra, drop=()):
    """Re-pack ``source`` less ``drop``, plus ``extra`` (name -> bytes): sorted, stored,
    fixed dates and modes."""
    with zipfile.ZipFile(source) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()
                   if not i.is_dir() and i.filename not in drop}
    entries.update(extra)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            mode = 0o755 if pathlib.PurePath(name).name in EXECUTABLES else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.create_system = 3
            archive.writestr(info, entries[name])


def tail(text, limit=4000):
    """The last lines of ``text`` within ``limit`` characters, from the start of a line."""
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    return "…\n" + cut[cut.find("\n") + 1:] if "\n" in cut else cut
