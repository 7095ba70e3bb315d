"""The catalogues of mistakes and alternatives, and the tools that read and judge them
(fast: no grading; tests/test_catalogue.py grades every case)."""

from conftest import on_disk
from hsa_dev.catalogue import KINDS, Case, judge, load_cases
from hsa_dev.variants import split_source
from hsa.trusted.autograder import read_config

CASES = load_cases()
MISTAKES = [c for c in CASES if c.kind == "mistakes"]
ALTERNATIVES = [c for c in CASES if c.kind == "alternatives"]


def test_every_case_on_disk_is_read_and_every_question_has_mistakes():
    assert (len(MISTAKES), len(ALTERNATIVES)) == (on_disk("mistakes"), on_disk("alternatives"))
    assert len(CASES) == sum(on_disk(kind) for kind in KINDS)
    questions = {c.question for c in MISTAKES}
    assert questions == set(read_config().questions)


def test_split_source_cuts_one_cell_per_function():
    source = "import math\n\n\ndef sigmoid(z):\n    return z\n\n\ndef helper():\n    pass\n\n\n" \
             "def formula_2(a):\n    return helper()\n\nx = 1\n"
    replace, append = split_source(source, ["sigmoid", "formula_2"])
    assert replace["sigmoid"].startswith("import math") and "helper" not in replace["sigmoid"]
    assert replace["formula_2"].startswith("def helper") and "x = 1" not in replace["formula_2"]
    assert append == ["x = 1"]


def test_judge_rejects_a_lost_point_and_a_missing_hint():
    from hsa.trusted.result import Result, TestResult
    result = Result("x", "graded", 14.0, 15.0, questions={"sigmoid": [2.0, 3.0]},
                    tests=[TestResult("sigmoid", "sigmoid - 2", True, 0.0, 1.0, "use np.exp")])
    assert judge(Case("a", "alternatives", ""), result)[0] is False
    assert judge(Case("m", "mistakes", "", {"question": "sigmoid", "hint": "np.exp"}), result)[0]
    assert not judge(Case("m", "mistakes", "", {"question": "sigmoid", "hint": "tanh"}), result)[0]
