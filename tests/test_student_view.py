"""What students read: public checks, the pre-submission check, and their feedback, as text."""

import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from hsa.writers.feedback import feedback_md
from hsa.project import ROOT
from hsa_dev.variants import STUDENT, variant
from hsa.writers.graded import Graded

PASSED = "Public checks passed: right type and shape on the lecture's data, right values on the public examples. Hidden tests on other sizes and values decide your grade."
USES_DELETED_CELL = '''def formula_1(w_hh, w_hx, h_t_prev, x_t):
    """W_h [h_t_prev; x_t]."""
    ### START CODE HERE ###
    result = scale * np.hstack((w_hh, w_hx)) @ np.vstack((h_t_prev, x_t))
    ### END CODE HERE ###
    return result
'''
CORRECT_JOIN = '''def join_weights(w_hh, w_hx):
    ### START CODE HERE ###
    w_h = np.hstack((w_hh, w_hx))
    ### END CODE HERE ###
    return w_h
'''
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|^\s+\^+\s*$", re.M)

pytestmark = pytest.mark.sandbox


def run_in_jupyter(saved, tmp_path, before=()):
    """Run ``saved`` as a student would: in a live kernel (after ``before``, cells the student
    ran and then deleted), in a copy of the student folder. Returns each cell's output text."""
    shutil.copytree(ROOT / "assignments", tmp_path, dirs_exist_ok=True)
    shutil.copy(saved, tmp_path / STUDENT.name)
    live = nbformat.read(saved, as_version=4)
    live.cells[1:1] = [nbformat.v4.new_code_cell(source) for source in before]
    NotebookClient(live, timeout=180, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return {cell.source: _text(cell) for cell in live.cells if cell.cell_type == "code"}


def _text(cell):
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts.append(data.get("text/plain", "") + data.get("text/html", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def partly_done(tmp_path_factory):
    """join_weights done; formula_1 uses `scale`, from a cell the student has since deleted."""
    folder = tmp_path_factory.mktemp("student")
    saved = variant(folder / "saved.ipynb", {"join_weights": CORRECT_JOIN, "formula_1": USES_DELETED_CELL},
                    base=STUDENT)
    outputs = run_in_jupyter(saved, folder / "run", before=["scale = 1"])
    return saved, outputs


def check_output(outputs, name):
    return outputs[f'grader.check("{name}")']


def test_a_passing_check_says_hidden_tests_decide(partly_done):
    _, outputs = partly_done
    text = check_output(outputs, "join_weights")
    assert PASSED in text
    assert not TRACEBACK.search(text)


def test_a_failing_check_reads_as_a_hint_not_a_traceback(partly_done):
    _, outputs = partly_done
    text = check_output(outputs, "join_state_and_input")
    assert "join_state_and_input returned None. Replace each `None`" in text
    assert not TRACEBACK.search(text)


def test_the_live_session_hides_the_deleted_cell_but_export_finds_it(partly_done):
    _, outputs = partly_done
    assert PASSED in check_output(outputs, "formula_1"), "in the live kernel `scale` still exists"
    export = next(text for source, text in outputs.items() if "grader.export(" in source)
    assert "Running your submission against local test cases" in export
    assert "name 'scale' is not defined" in export
    assert "a cell that was deleted" in export
    assert "Hint: formula_1 raised NameError" in export


def test_the_graders_feedback_names_the_deleted_cell_problem(partly_done, grade):
    saved, _ = partly_done
    result = grade(saved)
    feedback = feedback_md(Graded.of(result))
    assert "formula_1 raised NameError: name 'scale' is not defined" in feedback
    assert "a cell that was deleted" in feedback
    assert not TRACEBACK.search(feedback)
    assert result.questions["join_weights"] == (2, 2)


def test_feedback_never_shows_a_traceback_or_a_hidden_input(grade, tmp_path):
    broken = variant(tmp_path / "broken.ipynb", {
        "join_weights": "def join_weights(w_hh, w_hx):\n    return np.vstack((w_hh, w_hx))\n",
        "sigmoid": "def sigmoid(z):\n    import math\n    return 1 / (1 + math.exp(-z))\n",
        "formula_2": "def formula_2(w_hh, w_hx, h_t_prev, x_t):\n    raise ValueError('unfinished')\n",
    })
    result = grade(broken)
    feedback = feedback_md(Graded.of(result))
    assert not TRACEBACK.search(feedback)
    assert "math.exp" in feedback and "np.exp" in feedback
    assert "formula_2 raised ValueError: unfinished" in feedback
    assert result.tests
    for test in result.tests:
        assert not re.search(r"\d\.\d{3,}", test.hint), f"a hidden value leaked: {test.hint}"


AXIS_0 = '''def join_weights(w_hh, w_hx):
    ### START CODE HERE ###
    w_h = np.concatenate((w_hh, w_hx), axis=0)
    ### END CODE HERE ###
    return w_h
'''


def test_a_raising_check_points_at_the_line_of_the_students_cell(tmp_path):
    """Otter's "Error at line 12 in test ..." is a line of its test; the hint names the
    student's own line instead."""
    saved = variant(tmp_path / "saved.ipynb", {"join_weights": AXIS_0}, base=STUDENT)
    outputs = run_in_jupyter(saved, tmp_path / "run")
    check = next(text for source, text in outputs.items() if 'grader.check("join_weights")' in source)
    assert "Hint: join_weights raised ValueError at line 3 of the cell that defines " \
        "`join_weights`: all the input array dimensions" in check
