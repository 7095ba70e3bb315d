"""``hsa assign``: regenerate the student notebook and the autograder zip from the master.

Wraps ``otter assign`` (which also runs every test against the master and
fails if one does not pass), then makes its output reproducible: cell ids
numbered, outputs cleared, zip entries sorted with fixed dates and modes, so
the same master always gives the same bytes.

The master is a notebook stock ``otter assign`` accepts: hsa's own settings
(:mod:`hsa.settings`: budgets, memory, visibility, where Colab fetches the public checks)
are in ``hsa.yml`` beside it, where Otter does not look (its ``ASSIGNMENT CONFIG`` rejects
keys it does not know). They are checked, resolved (a master without ``hsa.yml`` gets the
defaults) and go into the zip as ``hsa_config.json``.
"""

from __future__ import annotations

import ast
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
from .archive import wheel, write_reproducible_zip
from .exceptions import AssignError
from .platforms.build import ENTRY, platform_files
from .project import DEFAULT, ROOT, Assignment
from .settings import Settings
from .trusted.autograder import CONFIG_NAME, SOLUTION_NAME, Config

PLATFORMS = pathlib.Path(__file__).resolve().parent / "platforms"
GRADESCOPE_FILES = PLATFORMS / "gradescope" / "files"
"""setup.sh, run_autograder and requirements.txt (what grading needs, pinned: made by
``python -m hsa_dev.requirements`` from constraints.txt, kept equal by a test)."""
OTTER_ONLY = {"environment.yml", "run_otter.py"}  # Otter's conda set-up, replaced by ours
SETTINGS_NAME = "hsa.yml"
PLATFORM_FOLDERS = ("coursera", "prairielearn")  # under autograder/, made by platform_files


def regenerate(master: pathlib.Path = DEFAULT.master, out: pathlib.Path = ROOT,
               run_tests: bool = True) -> tuple[pathlib.Path, pathlib.Path]:
    """Write ``assignments/`` and ``autograder/`` under ``out`` from ``master``; returns
    (the student's notebook, the Gradescope zip)."""
    if not pathlib.Path(master).is_file():
        raise AssignError(f"no master notebook at {master}; pass the path of one "
                          "(Otter Assign format)")
    assignment = Assignment(pathlib.Path(master).resolve(), pathlib.Path(out))
    with tempfile.TemporaryDirectory(prefix="hsa-assign-") as tmp:
        stage, dist = pathlib.Path(tmp) / "master", pathlib.Path(tmp) / "dist"
        config = stage_master(assignment, stage)
        run_otter_assign(stage / assignment.master.name, dist, run_tests)
        if assignment.student.parent.exists():
            shutil.rmtree(assignment.student.parent)
        shutil.copytree(dist / "student", assignment.student.parent)
        normalize_notebook(assignment.student, config.settings.public_checks_url)
        assignment.zip.parent.mkdir(parents=True, exist_ok=True)
        otter_zip = next((dist / "autograder").glob(f"{assignment.name}-autograder_*.zip"))
        extra = gradescope_files()
        extra[CONFIG_NAME] = config.to_json().encode()
        extra[SOLUTION_NAME] = solution_code(nbformat.read(assignment.master, as_version=4),
                                             _support_modules(assignment.master.parent)).encode()
        repack(otter_zip, assignment.zip, extra)
    write_platform_folders(assignment, extra, config.settings)
    return assignment.student, assignment.zip


def write_platform_folders(assignment: Assignment, extra: dict[str, bytes], settings: Settings) -> None:
    """``autograder/coursera/`` and ``autograder/prairielearn/`` (:mod:`hsa.platforms.build`),
    from the same wheel, requirements, zip and settings as the Gradescope zip, written anew."""
    wheel_file = next((name, data) for name, data in extra.items() if name.endswith(".whl"))
    student = {p.name: p.read_bytes() for p in sorted(assignment.student.parent.iterdir()) if p.is_file()}
    files = platform_files(assignment.name, wheel_file, extra["requirements.txt"].decode(),
                           assignment.zip.read_bytes(), student, settings)
    for top in PLATFORM_FOLDERS:
        shutil.rmtree(assignment.zip.parent / top, ignore_errors=True)
    for relative, data in sorted(files.items()):
        path = assignment.zip.parent / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, 0o755 if path.name == ENTRY else 0o644)


def stage_master(assignment: Assignment, stage: pathlib.Path) -> Config:
    """Copy the master and its support files; return hsa's config for the zip: the settings
    of ``hsa.yml`` beside the master, the questions and the assignment's name."""
    master = assignment.master
    shutil.copytree(master.parent, stage, ignore=shutil.ignore_patterns(
        "__pycache__", ".ipynb_checkpoints", "*.zip"))
    return Config(assignment.name, tuple(question_names(nbformat.read(master, as_version=4))),
                  read_settings(master.parent / SETTINGS_NAME))


def read_settings(path: pathlib.Path) -> Settings:
    """``hsa.yml``'s settings, checked; the defaults where there is no such file."""
    if not path.is_file():
        return Settings()
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise AssignError(f"{path} is not valid YAML ({error}); fix it and run hsa assign again") from None
    return Settings.from_mapping(data, str(path))


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


def _support_modules(folder: pathlib.Path) -> set[str]:
    """The master's check modules (the ``.py`` files beside it), by module name."""
    return {path.stem for path in pathlib.Path(folder).glob("*.py")}


def question_names(notebook: nbformat.NotebookNode) -> list[str]:
    """The questions' names, in order, as the master's ``# BEGIN QUESTION`` cells give them."""
    names = []
    for cell in notebook.cells:
        if cell.cell_type == "raw" and cell.source.lstrip().startswith("# BEGIN QUESTION"):
            names.append(yaml.safe_load(cell.source)["name"])
    return names


def run_otter_assign(notebook: pathlib.Path, dist: pathlib.Path, run_tests: bool) -> None:
    command = [sys.executable, "-m", "otter", "assign", notebook.name, str(dist)]
    if not run_tests:
        command.append("--no-run-tests")
    done = subprocess.run(command, cwd=notebook.parent, capture_output=True, text=True)
    failed = done.returncode != 0 or re.search(r"Test[s]? failed|failed tests", done.stdout + done.stderr)
    if failed:
        raise AssignError("otter assign failed; its output:\n" + tail(done.stdout) + tail(done.stderr))


def normalize_notebook(path: pathlib.Path, public_checks_url: str | None = None) -> None:
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


def fetching_public_checks(source: str, url: str) -> str:
    """The set-up cell ``source`` with its ``except ModuleNotFoundError:`` branch replaced by
    one that downloads public_checks.py from ``url`` into the kernel's folder, then imports it."""
    head = source.split("\nexcept ModuleNotFoundError:")[0]
    if head == source or SETUP_IMPORT not in head:
        raise AssignError("the set-up cell must import grader in a try block followed by "
                          "`except ModuleNotFoundError:` to fetch public_checks.py")
    return (head + "\nexcept ModuleNotFoundError:  # Google Colab opens a notebook alone: fetch "
            "public_checks.py beside it\n    import urllib.request; urllib.request.urlretrieve("
            f"{url!r}, \"public_checks.py\"); {SETUP_IMPORT}")


def gradescope_files() -> dict[str, bytes]:
    """What Gradescope needs beside Otter's tests: our setup.sh, run_autograder, the pinned
    requirements of grading, and a wheel of this package (written reproducibly)."""
    files = {p.name: p.read_bytes() for p in GRADESCOPE_FILES.iterdir() if p.is_file()}
    name, data = wheel()
    return files | {name: data}


def repack(source: pathlib.Path, target: pathlib.Path, extra: dict[str, bytes],
           drop: set[str] = OTTER_ONLY) -> None:
    """Otter's zip at ``source`` less ``drop``, plus ``extra`` (name -> bytes), written
    reproducibly at ``target``."""
    with zipfile.ZipFile(source) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()
                   if not i.is_dir() and i.filename not in drop}
    write_reproducible_zip(target, entries | extra)


def tail(text: str, limit: int = 4000) -> str:
    """The last lines of ``text`` within ``limit`` characters, from the start of a line."""
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    return "…\n" + cut[cut.find("\n") + 1:] if "\n" in cut else cut
