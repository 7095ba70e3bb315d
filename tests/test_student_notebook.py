"""The student's notebook as committed: no solution, no hidden test, a stub per question
(fast: reads the files; tests/test_assignment.py runs and regenerates them)."""

import json
import re
import zipfile

import nbformat

from hsa.project import DEFAULT, ROOT
from hsa_dev.variants import MASTER, STUDENT


def graded_questions():
    """The questions, as the committed autograder's config lists them."""
    with zipfile.ZipFile(DEFAULT.zip) as archive:
        return json.loads(archive.read("hsa_config.json"))["questions"]


def solution_lines(notebook):
    """Lines between BEGIN SOLUTION and END SOLUTION in the master's code cells."""
    lines, inside = [], False
    for cell in notebook.cells:
        for line in cell.source.splitlines() if cell.cell_type == "code" else []:
            if "# BEGIN SOLUTION" in line:
                inside = True
            elif "# END SOLUTION" in line:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


def test_student_notebook_holds_no_solution_and_no_hidden_test():
    master = nbformat.read(MASTER, as_version=4)
    text = STUDENT.read_text() + (ROOT / "assignments" / "public_checks.py").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "# SOLUTION", "hidden_checks", "hidden=True",
                   "BEGIN PROMPT", "hidden: true", "BEGIN TESTS"):
        assert marker not in text, marker
    solutions = solution_lines(master)
    assert solutions, "no BEGIN/END SOLUTION lines found in the master"
    for line in solutions:
        assert line not in text, f"solution line leaked: {line}"
    student = nbformat.read(STUDENT, as_version=4)
    questions = graded_questions()
    assert questions, "the autograder's config lists no questions"
    for name in questions:
        cell = next(c for c in student.cells if c.source.startswith(f"def {name}("))
        region = cell.source.split("### START CODE HERE ###")[1].split("### END CODE HERE ###")[0]
        assert re.fullmatch(r"\s*\w+ = None\s*", region), f"{name} stub: {region!r}"
        assert f'grader.check("{name}")' in STUDENT.read_text().replace('\\"', '"')
