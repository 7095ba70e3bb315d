"""hsa's settings beside the master (``solutions/hsa.yml``), and what ``hsa assign`` makes of them
(fast: no Otter run)."""

import re

import nbformat
import pytest
import yaml

from hsa.assign import SETTINGS_NAME, fetching_public_checks, normalize_notebook, read_settings
from hsa.exceptions import AssignError, SettingsError
from hsa.project import SOLUTIONS
from hsa.settings import Settings, Visibility
from hsa.trusted.autograder import read_config
from hsa_dev.variants import MASTER, STUDENT

URL = "https://example.org/course/public_checks.py"


def setup_cell(path):
    """The notebook's set-up cell: the one that imports ``grader`` from public_checks."""
    notebook = nbformat.read(path, as_version=4)
    return next(c.source for c in notebook.cells if "from public_checks import grader" in c.source)


def test_the_master_s_assignment_config_holds_otter_s_keys_only():
    notebook = nbformat.read(MASTER, as_version=4)
    config = yaml.safe_load(notebook.cells[0].source)
    assert "hsa" not in config and config["name"] == MASTER.stem


def test_the_committed_zip_carries_hsa_yml_s_settings():
    written = yaml.safe_load((SOLUTIONS / SETTINGS_NAME).read_text())
    settings = read_config().settings
    assert settings == Settings.from_mapping(written, SETTINGS_NAME)
    assert (settings.cell_budget_seconds, settings.call_budget_seconds,
            settings.submission_budget_seconds) == (10, 5, 60)
    assert settings.visibility == Visibility("visible", "after_published")
    assert settings.public_checks_url is None  # empty in hsa.yml: students upload the file


def test_settings_are_read_and_empty_ones_take_their_default(tmp_path):
    path = tmp_path / SETTINGS_NAME
    path.write_text("cell_budget_seconds: 7\npublic_checks_url:\nsubmission_memory_mib: 1024\n"
                    "zygote_restart_every: 3\n")
    assert read_settings(path) == Settings(cell_budget_seconds=7, submission_memory_mib=1024,
                                           zygote_restart_every=3)
    assert read_settings(tmp_path / "missing.yml") == Settings()


@pytest.mark.parametrize("text, words", [
    ("cell_budget: 7\n", "unknown setting cell_budget (did you mean cell_budget_seconds?)"),
    ("visibility:\n  hiden: visible\n", "unknown setting visibility.hiden (did you mean hidden?)"),
    ("- a list\n", "the settings must be a mapping of names to values, not list"),
    ("visibility: [\n", "is not valid YAML"),
    ("cell_budget_seconds: soon\n", "cell_budget_seconds must be a number, not 'soon'"),
    ("call_budget_seconds: 0\n", "call_budget_seconds is 0; it must be from 0.1 to 3600"),
    ("zygote_restart_every: 2.5\n", "zygote_restart_every must be a whole number, not 2.5"),
    ("submission_memory_mib: yes\n", "submission_memory_mib must be a whole number, not True"),
    ("visibility:\n  hidden: never\n", "visibility.hidden is 'never'; it may be visible, hidden"),
    ("public_checks_url: public_checks.py\n", "it must be an http(s) address"),
])
def test_a_wrong_settings_file_is_refused_with_what_to_fix(tmp_path, text, words):
    path = tmp_path / SETTINGS_NAME
    path.write_text(text)
    with pytest.raises(AssignError, match=re.escape(words)) as raised:
        read_settings(path)
    assert str(path) in str(raised.value)
    if "YAML" not in words:
        assert isinstance(raised.value, SettingsError)


def test_the_student_set_up_cell_is_five_lines_at_most():
    source = setup_cell(STUDENT)
    assert len(source.splitlines()) <= 5
    assert source.startswith("import numpy as np\n")
    student = nbformat.read(STUDENT, as_version=4)
    assert student.cells[0].cell_type == "markdown" and student.cells[0].source.startswith("# ")


def test_a_public_checks_url_makes_the_set_up_cell_fetch_the_file():
    fetched = fetching_public_checks(setup_cell(STUDENT), URL)
    assert len(fetched.splitlines()) == 5
    assert fetched.splitlines()[:3] == setup_cell(STUDENT).splitlines()[:3]
    assert fetched.endswith(f"urllib.request.urlretrieve({URL!r}, \"public_checks.py\"); "
                            "from public_checks import grader")
    compile(fetched, "set-up cell", "exec")
    with pytest.raises(AssignError, match="except ModuleNotFoundError"):
        fetching_public_checks("from public_checks import grader\n", URL)


def test_the_colab_checks_pass_with_the_master_s_success_message():
    """The stand-in that runs the checks on Colab says what the master's public tests say."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("public_checks_copy", SOLUTIONS / "public_checks.py")
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    sources = "\n".join(c.source for c in nbformat.read(MASTER, as_version=4).cells)
    messages = re.findall(r'^success_message: "(.*)"$', sources, re.M)
    assert len(messages) == len(checks.CALLS) == 6 and set(messages) == {checks.PASSED}


def test_hsa_assign_writes_the_url_into_the_student_s_set_up_cell(tmp_path):
    student = tmp_path / STUDENT.name
    student.write_bytes(STUDENT.read_bytes())
    normalize_notebook(student, URL)
    assert setup_cell(student) == fetching_public_checks(setup_cell(STUDENT), URL)
    normalize_notebook(student)  # without a URL the cell stays as it is
    assert URL in setup_cell(student)


def test_a_url_without_a_set_up_cell_is_refused(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np")])
    nbformat.write(notebook, tmp_path / "lab.ipynb")
    with pytest.raises(AssignError, match="no cell of lab.ipynb runs `from public_checks import grader`"):
        normalize_notebook(tmp_path / "lab.ipynb", URL)
