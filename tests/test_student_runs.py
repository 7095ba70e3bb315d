"""The student notebook run as a student runs it, on every Python from 3.10 to 3.13 found here.

Each Python gets a virtual environment with what a student installs (otter-grader 7.0.0, numpy,
and ipykernel for Jupyter) from PyPI, pinned by ``constraints.txt``; on 3.10 numpy is 1.26, the
others get numpy 2. A correct solution (the master's functions) is filled into the
student notebook, which then runs top to bottom in a real kernel of that environment,
``grader.export(run_tests=True)`` included, under the name a browser gives a second download.
Also covered: a folder holding two copies (the one Jupyter has open is the one exported), a
kernel without otter-grader, and Google Colab (a kernel made to look like Colab's, without Otter:
correct work, a mistake with Jupyter's hints, public_checks.py missing or fetched from a URL; the
notebook handed in is graded).

Environments are built once and kept in ``~/.cache/hsa-test-envs`` (or ``$XDG_CACHE_HOME``),
keyed by the Python version, the packages and the constraints (a change of ``constraints.txt``
rebuilds them); building one takes 30 to 90 s on a 2-core machine, a run of the notebook about
10 s. A Python that is not installed is skipped, except 3.10 in CI.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from hsa.assign import SETUP_IMPORT, fetching_public_checks
from hsa_dev.requirements import SUPPORTED_PYTHONS
from hsa.project import CONSTRAINTS, ROOT
from hsa_dev.catalogue import read_case
from hsa_dev.harness import find_pythons, minor_version
from hsa_dev.variants import graded_functions
from hsa_dev.variants import MASTER, STUDENT, function_cell_index, variant

pytestmark = pytest.mark.sandbox  # builds environments and runs real kernels: slow

PYTHONS = SUPPORTED_PYTHONS
REQUIRED_IN_CI = "3.10"
WITH_OTTER = ("otter-grader==7.0.0", "numpy", "ipykernel")
WITHOUT_OTTER = ("numpy", "ipykernel")
NUMPY_1 = {"3.10": "numpy==1.26.4"}  # Python -> numpy pin replacing the constraints' numpy
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hsa-test-envs"
RENAMED = "hidden_state_activation (1).ipynb"  # what a browser calls a second download
INSTALL = "The checks need otter-grader, which is not installed here: run `%pip install otter-grader`"
MISSING = ("The checks need public_checks.py: upload it (on Colab: Files, then Upload), then run "
           "this cell again.")
PASSED = "results: All test cases passed!"
SUCCESS = ("Public checks passed: right type and shape on the lecture's data, right values on the "
           "public examples. Hidden tests on other sizes and values decide your grade.")
COLAB_EXPORT = ("On Google Colab, hand in the notebook itself: File > Download > Download .ipynb, "
                "then upload that file.")
TRACEBACK = re.compile(r"Traceback|Error\b|Warning\b|File \"[^\"]+\", line \d+")
VERSIONS_CELL = "import sys, numpy\nprint('versions', sys.version.split()[0], numpy.__version__)"


# --- Pythons and their environments -------------------------------------------------------

def find_python(version):
    """Path and full version of an installed Python ``version`` (pyenv's first), or None."""
    for python in find_pythons():
        if minor_version(python) == version:
            done = subprocess.run([str(python), "-c", "import sys; print(sys.version.split()[0])"],
                                  capture_output=True, text=True, check=True)
            return str(python), done.stdout.strip()
    return None


def python_or_skip(version):
    found = find_python(version)
    if found:
        return found
    if os.environ.get("CI") and version == REQUIRED_IN_CI and os.geteuid() == 0:
        pytest.fail(f"CI must test the student notebook on Python {version}, which is not installed")
    pytest.skip(f"Python {version} is not installed" + (
        "" if os.geteuid() == 0 else " where this user can run it (pyenv's live under /root)"))


def constraints_for(numpy_pin=None):
    """The project's constraints, with numpy's pin replaced by ``numpy_pin`` when given."""
    lines = CONSTRAINTS.read_text().splitlines()
    if numpy_pin:
        lines = [line for line in lines if not re.match(r"numpy\s*[=<>!~;]", line.strip(), re.I)]
        lines.append(numpy_pin)
    return "\n".join(lines) + "\n"


def environment(label, python, version, packages, numpy_pin=None):
    """A virtual environment of ``python`` with ``packages`` installed; built once, then reused.

    Returns the environment's interpreter. A lock keeps two test runs from building one
    environment at once; an environment left half-built by an interrupted run is rebuilt. One
    built for other constraints is removed only once unused for UNUSED_DAYS: another clone's
    suite (another branch's pins) may be using it at this moment.
    """
    constraints = constraints_for(numpy_pin)
    key = hashlib.sha256(json.dumps([version, packages, constraints]).encode()).hexdigest()[:12]
    home = CACHE / f"{label}-py{version}-{key}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{label}-py{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (home / "ready").exists():
            for stale in CACHE.glob(f"{label}-py{version}-*"):
                if not (stale / "ready").exists() or _unused_days(stale / "ready") > UNUSED_DAYS:
                    shutil.rmtree(stale)  # half-built, or built for constraints long gone
            _build(home, python, packages, constraints)
        (home / "ready").touch()  # its last use
    return home / "bin" / "python"


UNUSED_DAYS = 7


def _unused_days(ready):
    return (time.time() - ready.stat().st_mtime) / 86400


def _build(home, python, packages, constraints):
    """``--no-compile``: Python writes bytecode for what the kernel imports; compiling all of
    Otter's dependencies up front took a fifth of the build's time."""
    subprocess.run([python, "-m", "venv", str(home)], check=True, capture_output=True)
    (home / "constraints.txt").write_text(constraints)
    done = subprocess.run([str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
                           "--disable-pip-version-check", "-c", str(home / "constraints.txt"), *packages],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"pip could not install {' '.join(packages)} for {python}:\n{done.stderr[-3000:]}")
    (home / "ready").write_text(" ".join(packages) + "\n")


@pytest.fixture(scope="session")
def otter_python():
    """Python version -> interpreter of an environment with Otter, built on first use."""
    built = {}

    def get(version):
        if version not in built:
            python, full = python_or_skip(version)
            built[version] = environment("otter", python, full, WITH_OTTER, NUMPY_1.get(version))
        return built[version]
    return get


def newest_version():
    found = [version for version in PYTHONS if find_python(version)]
    if not found:
        pytest.skip("no Python from 3.10 to 3.13 is installed")
    return found[-1]


@pytest.fixture(scope="session")
def bare_python():
    """An environment without otter-grader, on the newest Python found (a fresh laptop)."""
    return environment("no-otter", *find_python(newest_version()), WITHOUT_OTTER)


# --- running the notebook -------------------------------------------------------------------

def solved_notebook(path, base=STUDENT):
    """``base`` with the master's functions filled in (markers and prompts taken out)."""
    master = nbformat.read(MASTER, as_version=4)
    names = graded_functions(nbformat.read(base, as_version=4))
    solutions = {name: _solution(master.cells[function_cell_index(master, name)].source) for name in names}
    return variant(path, solutions, append=[VERSIONS_CELL], base=base)


def _solution(source):
    source = re.sub(r'^\s*""" # BEGIN PROMPT\n.*?^\s*""" # END PROMPT\n', "", source, flags=re.M | re.S)
    return "\n".join(line for line in source.splitlines() if not re.search(r"# (BEGIN|END) SOLUTION", line))


def student_folder(folder):
    """A copy of what students download, without the notebook itself."""
    shutil.copytree(ROOT / "assignments", folder)
    (folder / STUDENT.name).unlink()
    return folder


def run(python, path, env=None, cwd=None, keep=None):
    """Run the notebook at ``path`` top to bottom in a kernel of ``python``, in its folder, as
    Jupyter does (the kernel's working directory is the notebook's folder; ``cwd`` another).
    ``keep``: where to save the notebook run, outputs included. Returns ``[(source, outputs)]``
    for the code cells."""
    notebook = nbformat.read(path, as_version=4)
    cwd = cwd or path.parent
    specs = path.parent.parent / f"kernels-{path.parent.name}"
    (specs / "student").mkdir(parents=True)
    (specs / "student" / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "student", "language": "python"}))
    # The connection file beside the kernel spec: by default jupyter_client makes it with
    # mkstemp in /tmp, and a kernel that is killed leaves it there.
    manager = KernelManager(kernel_name="student", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]),
                            connection_file=str(specs / "connection.json"))
    kernel_env = {k: v for k, v in os.environ.items()
                  if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JPY_SESSION_NAME"}}
    kernel_env["PATH"] = f"{Path(python).parent}{os.pathsep}{kernel_env.get('PATH', '')}"
    kernel_env.update(env or {})
    NotebookClient(notebook, km=manager, timeout=180, allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute(env=kernel_env)
    if keep:
        nbformat.write(notebook, keep)
    return [(cell.source, _outputs(cell)) for cell in notebook.cells if cell.cell_type == "code"]


def _outputs(cell):
    """What the student sees under a cell, each output as (kind, text)."""
    shown = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and shown and shown[-1][0] == output.name:
            shown[-1] = (output.name, shown[-1][1] + output.text)  # one print may come in pieces
        elif output.output_type == "stream":
            shown.append((output.name, output.text))
        elif output.output_type == "error":
            shown.append(("error", "\n".join(output.traceback)))
        else:
            shown.append((output.output_type, output.get("data", {}).get("text/plain", "")))
    return shown


def text(outputs):
    return "\n".join(shown for _, shown in outputs)


def grader_cells(cells):
    return [(source, outputs) for source, outputs in cells if re.search(r"^grader\.\w+\(", source, re.M)]


def assert_clean(cells):
    """No cell shows an error, a warning or anything on stderr."""
    for source, outputs in cells:
        bad = [(kind, shown) for kind, shown in outputs if kind in ("error", "stderr") or TRACEBACK.search(shown)]
        assert not bad, f"cell {source.splitlines()[0]!r} shows:\n{text(bad)}"


def passed(question):
    """What a passed check shows, in Jupyter (Otter's summary) and on Colab alike."""
    return f"{question} {PASSED}\n{question} - 1 message: {SUCCESS}"


OTTER_TEST_LINE = re.compile(r"^ *Error at line \d+ in test \w+:\n.*\n", re.M)
"""Otter's pointer into its test file, and the test's line: Colab has no test file to point at."""


def versions(cells):
    return text(next(outputs for source, outputs in cells if source == VERSIONS_CELL)).split()[1:]


# --- the cases ---------------------------------------------------------------------------------

@pytest.mark.parametrize("version", PYTHONS, ids=[f"py{v}" for v in PYTHONS])
def test_a_correct_notebook_under_another_name_checks_and_exports_cleanly(version, otter_python, tmp_path):
    python = otter_python(version)
    folder = student_folder(tmp_path / "Downloads")
    cells = run(python, solved_notebook(folder / RENAMED))

    python_version, numpy_version = versions(cells)
    assert python_version.startswith(f"{version}.")
    assert numpy_version.split(".")[0] == ("1" if version in NUMPY_1 else "2")
    assert_clean(cells)
    assert text(cells[0][1]) == "", "the first cell finds the notebook without a word"
    checks = grader_cells(cells)
    assert len(checks) == len(graded_functions(nbformat.read(STUDENT, as_version=4))) + 2
    for (source, outputs), question in zip(checks, graded_functions(nbformat.read(STUDENT, as_version=4))):
        assert text(outputs) == passed(question), source
    export = text(checks[-1][1])
    assert "Your submission received the following results" in export
    assert export.count(PASSED) == len(checks) - 2
    (archive,) = folder.glob("*.zip")
    assert RENAMED in zipfile.ZipFile(archive).namelist()


def test_of_two_copies_the_one_jupyter_has_open_is_exported(otter_python, tmp_path):
    """JupyterLab and Notebook tell the kernel its notebook's path (JPY_SESSION_NAME): that one is
    exported, even where the untouched download beside it was saved later."""
    python = otter_python(newest_version())
    folder = student_folder(tmp_path / "Downloads")
    opened = solved_notebook(folder / RENAMED)
    shutil.copy(STUDENT, folder / STUDENT.name)
    an_hour_ago = time.time() - 3600
    os.utime(opened, (an_hour_ago, an_hour_ago))  # the untouched download is the newer file
    cells = run(python, opened, env={"JPY_SESSION_NAME": str(opened)})

    assert_clean(cells)
    export = text(grader_cells(cells)[-1][1])
    assert export.count(PASSED) == len(grader_cells(cells)) - 2, export
    (archive,) = folder.glob("*.zip")
    assert zipfile.ZipFile(archive).namelist()[0] == RENAMED


def test_without_otter_each_check_says_what_to_install(bare_python, tmp_path):
    folder = student_folder(tmp_path / "laptop")
    cells = run(bare_python, solved_notebook(folder / STUDENT.name))

    assert_clean(cells)
    first = text(cells[0][1])
    assert first.startswith(INSTALL) and first.count("\n") == 1, first
    assert "pip install otter-grader" in first and "restart the kernel" in first
    for source, outputs in grader_cells(cells):
        assert text(outputs) == first, source


# --- Google Colab ---------------------------------------------------------------------------
# A kernel made to look like Colab's: ``google.colab`` imported at start-up (from a stand-in
# package on the kernel's path, by an IPython start-up file), the notebook not in the kernel's
# folder (Colab keeps it in Drive; the kernel works in /content), no Otter and no network (a
# proxy that refuses every connection).

def colab(tmp_path):
    """The kernel's environment and working folder (``content/``, empty)."""
    fake = tmp_path / "colab-site"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "__init__.py").write_text("")
    (fake / "google" / "colab" / "__init__.py").write_text('"""Stands in for Colab\'s module."""\n')
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab\n")
    offline = "http://127.0.0.1:9"
    env = {"PYTHONPATH": str(fake), "IPYTHONDIR": str(tmp_path / "ipython"),
           "http_proxy": offline, "https_proxy": offline, "HTTP_PROXY": offline, "HTTPS_PROXY": offline}
    (tmp_path / "content").mkdir()
    return env, tmp_path / "content"


def in_drive(tmp_path, notebook_maker, *args):
    (tmp_path / "drive").mkdir()
    return notebook_maker(tmp_path / "drive" / STUDENT.name, *args)


def with_mistake(path, case):
    """The correct notebook, with one catalogue mistake in place of a function."""
    return variant(solved_notebook(path), source=read_case(case, "mistakes").source, base=path)


def as_downloaded_from_colab(path):
    """What File > Download > Download .ipynb gives: Colab's metadata on the notebook and its
    cells, outputs kept."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["colab"] = {"provenance": [], "name": STUDENT.name}
    for index, cell in enumerate(notebook.cells):
        cell.metadata["id"] = f"colab{index:04d}"
    nbformat.write(notebook, path)
    return path


def hints(outputs):
    return [line.strip() for line in text(outputs).splitlines() if line.strip().startswith("Hint:")]


def test_in_colab_every_check_passes_on_correct_work_and_the_download_grades(bare_python, tmp_path,
                                                                              grade):
    env, content = colab(tmp_path)
    shutil.copy(ROOT / "assignments" / "public_checks.py", content)
    downloaded = tmp_path / "downloaded.ipynb"
    cells = run(bare_python, in_drive(tmp_path, solved_notebook), env=env, cwd=content, keep=downloaded)

    assert_clean(cells)
    assert text(cells[0][1]) == "", "the set-up cell finds public_checks.py without a word"
    checks = grader_cells(cells)
    questions = graded_functions(nbformat.read(STUDENT, as_version=4))
    assert len(checks) == len(questions) + 2
    for (source, outputs), question in zip(checks, questions):
        assert text(outputs) == passed(question), source  # as in Jupyter, to the letter
    assert text(checks[-2][1]).count(PASSED) == len(questions)  # grader.check_all()
    assert text(checks[-1][1]) == COLAB_EXPORT + "\n"  # grader.export(...)
    result = grade(as_downloaded_from_colab(downloaded))  # File > Download > Download .ipynb
    assert (result.status, result.score, result.max_score) == ("graded", 15, 15)


def test_in_colab_a_mistake_shows_the_hints_jupyter_shows(bare_python, otter_python, tmp_path, grade):
    """join_state_and_input with its blocks swapped: its own check and the checks of formula_1 and
    hidden_state, which call it, give the same hints as Otter gives in Jupyter."""
    case = ROOT / "tests" / "catalogue" / "mistakes" / "join_state_and_input_wrong_order.py"
    env, content = colab(tmp_path)
    shutil.copy(ROOT / "assignments" / "public_checks.py", content)
    downloaded = tmp_path / "downloaded.ipynb"
    in_colab = run(bare_python, in_drive(tmp_path, with_mistake, case), env=env, cwd=content, keep=downloaded)
    jupyter = run(otter_python(newest_version()),
                  with_mistake(student_folder(tmp_path / "Downloads") / STUDENT.name, case))

    assert_clean(in_colab[:1])
    colab_checks, jupyter_checks = grader_cells(in_colab)[:-2], grader_cells(jupyter)[:-2]
    failed = [source for source, outputs in colab_checks if hints(outputs)]
    assert failed == ['grader.check("join_state_and_input")', 'grader.check("formula_1")',
                      'grader.check("hidden_state")']
    # the hint's last line names the mistake, after the public example it failed on
    assert text(colab_checks[1][1]).rstrip().endswith(
        "\n        The blocks are in the wrong order: h_t_prev goes on top, x_t below it.")
    assert [text(outputs) for _, outputs in colab_checks] == \
        [OTTER_TEST_LINE.sub("", text(outputs)) for _, outputs in jupyter_checks]
    result = grade(as_downloaded_from_colab(downloaded))
    # 8 points lost: join_state_and_input 2, formula_1 2, hidden_state 3 and formula_2's
    # "formulas agree" 1 (the cascade through_join_state_and_input in tests/catalogue scores 7 too)
    assert (result.status, result.score) == ("graded", 7)


def test_in_colab_without_public_checks_the_set_up_cell_and_every_check_say_how_to_get_it(
        bare_python, tmp_path):
    """No traceback anywhere: each check cell (check_all and export too) says the set-up cell's
    one sentence."""
    env, content = colab(tmp_path)
    cells = run(bare_python, in_drive(tmp_path, solved_notebook), env=env, cwd=content)

    assert_clean(cells)
    assert cells[0][1] == [("stdout", MISSING + "\n")]
    checks = grader_cells(cells)
    assert len(checks) == len(graded_functions(nbformat.read(STUDENT, as_version=4))) + 2
    for source, outputs in checks:
        assert outputs == [("stdout", MISSING + "\n")], source


def test_in_colab_the_set_up_cell_fetches_public_checks_from_the_instructor_s_url(bare_python, tmp_path):
    """``public_checks_url`` in hsa.yml: the set-up cell downloads the file into the kernel's
    folder (a file: URL here, as the test has no network)."""
    env, content = colab(tmp_path)
    published = tmp_path / "course-site" / "public_checks.py"
    published.parent.mkdir()
    shutil.copy(ROOT / "assignments" / "public_checks.py", published)
    notebook = in_drive(tmp_path, solved_notebook)
    student = nbformat.read(notebook, as_version=4)
    setup = next(c for c in student.cells if SETUP_IMPORT in c.source)
    setup.source = fetching_public_checks(setup.source, published.as_uri())
    nbformat.write(student, notebook)
    cells = run(bare_python, notebook, env=env, cwd=content)

    assert_clean(cells)
    assert (content / "public_checks.py").read_bytes() == published.read_bytes()
    checks = grader_cells(cells)[:-2]
    assert checks and all(PASSED in text(outputs) for _, outputs in checks)
