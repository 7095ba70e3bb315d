"""Root causes: every lost point traced to the function whose mistake it shows, said once
in the feedback, at the cause; the scores never change."""

import copy

import pytest

from conftest import SEED, TOTAL
from hsa.writers.feedback import feedback_md
from hsa.outcomes import Status, Verdict
from hsa.sandbox import session as sessions
from hsa.trusted.causes import analyse, trace
from hsa.trusted import result as results
from hsa.trusted.autograder import read_config
from hsa_dev.catalogue import Case, feedback_section, judge_cascade
from hsa_dev.variants import variant
from hsa.writers.graded import Graded

QUESTIONS = read_config().questions  # the real assignment's, in question order
FUNCTIONS = sorted(QUESTIONS)


def check(question, number, calls, reached=None, hint="", points=1.0, hidden=True):
    """A test of ``question`` that called ``calls`` (reaching ``reached``); failed if ``hint``."""
    return results.TestResult(question, f"{question} - {number}", hidden, 0.0 if hint else points,
                      points, hint, list(calls), dict(reached or {}))


def result_of(*tests, undefined=(), findings=()):
    questions = {q: [0.0, 0.0] for q in QUESTIONS}
    for test in tests:
        questions[test.question][0] += test.score
        questions[test.question][1] += test.max_score
    return results.Result("s", Status.GRADED, sum(t.score for t in tests),
                  sum(t.max_score for t in tests), questions=questions, tests=list(tests),
                  undefined=list(undefined), findings=list(findings))


def found(verdict, *functions, **fields):
    """The diagnosis' finding for each of ``functions``, from all checks and from the public
    ones alike."""
    return [results.Finding(f, verdict, public=public, **fields)
            for f in functions for public in (False, True)]


# The diagnosis found formula_1 and hidden_state right given what join_weights returned.
THROUGH_JOIN_WEIGHTS = found(Verdict.THROUGH, "formula_1", "hidden_state")


JW_HINT = "join_weights raised ValueError: along axis ...\nJoin the weights along axis=1."
F1_HINT = "formula_1 raised ValueError: along axis ...\nJoin the weights along axis=1."


def join_weights_wrong(*extra, findings=THROUGH_JOIN_WEIGHTS):
    """The issue's notebook, as its tests come out: join_weights wrong, the rest right (and
    found right given what join_weights returned to them)."""
    via_f1 = {"formula_1": ["join_weights"]}
    return result_of(
        check("join_weights", 1, ["join_weights"], hint=JW_HINT, points=0, hidden=False),
        check("join_weights", 2, ["join_weights"], hint=JW_HINT),
        check("join_weights", 3, ["join_weights"], hint=JW_HINT),
        check("join_state_and_input", 2, ["join_state_and_input"]),
        check("join_state_and_input", 3, ["join_state_and_input"]),
        check("formula_1", 1, ["formula_1"], via_f1, hint=F1_HINT, points=0, hidden=False),
        check("formula_1", 2, ["formula_1"], via_f1, hint=F1_HINT),
        check("formula_1", 3, ["formula_1"], via_f1, hint=F1_HINT),
        check("formula_2", 2, ["formula_2"]),
        check("formula_2", 3, ["formula_2"]),
        check("formula_2", 4, ["formula_1", "formula_2"], via_f1, hint=F1_HINT),
        check("sigmoid", 2, ["sigmoid"]),
        check("sigmoid", 3, ["sigmoid"]),
        check("sigmoid", 4, ["sigmoid"]),
        check("hidden_state", 1, ["hidden_state"], {"hidden_state": ["formula_1", "join_weights"]},
              hint="hidden_state raised ValueError\nJoin the weights along axis=1.", points=0,
              hidden=False),
        check("hidden_state", 2, ["hidden_state"], {"hidden_state": ["formula_1", "join_weights"]},
              hint="hidden_state raised ValueError\nJoin the weights along axis=1."),
        check("hidden_state", 3, ["hidden_state"], {"hidden_state": ["formula_1", "join_weights"]},
              hint="hidden_state raised ValueError\nJoin the weights along axis=1."),
        check("hidden_state", 4, ["formula_1"], via_f1, hint=F1_HINT),
        *extra, findings=findings)


# ------------------------------------------------------------------ causes.py
def test_a_wrong_join_weights_is_the_one_root_cause():
    causes = analyse(join_weights_wrong())
    assert causes.roots == ["join_weights"]
    assert trace(join_weights_wrong()).split() == {
        "join_weights": (2, 0), "join_state_and_input": (0, 0), "formula_1": (0, 2),
        "formula_2": (0, 1), "sigmoid": (0, 0), "hidden_state": (0, 3)}
    cascade = causes.cascades["join_weights"]
    assert cascade.callers == {"formula_1": 2, "hidden_state": 3}
    assert cascade.users == {"formula_2": 1} and cascade.via == {"formula_2": ("formula_1",)}
    assert cascade.own + cascade.alone == 8 and list(causes.cascades) == ["join_weights"]


@pytest.mark.parametrize("findings, alone, stopped", [
    ((), 2, []),  # nothing checked: formula_1 and hidden_state failed too
    (found(Verdict.THROUGH, "formula_1"), 2 + 2 + 1 + 1, []),  # hidden_state unchecked
    (found(Verdict.STOPPED, "formula_1", "hidden_state", stopped_at=["join_weights"]), 2,
     ["formula_1", "hidden_state"]),
    (found(Verdict.OWN, "formula_1"), 2, []),
])
def test_fixing_a_cause_alone_counts_only_the_checks_found_right_beyond_it(findings, alone,
                                                                          stopped):
    """"Fixing join_weights alone could bring back N points" counts a check of another
    function only where that function was found right given what join_weights returned:
    not where nothing was found, where it only raised join_weights' error (it is named
    instead), nor where it is wrong on its own (then it is a cause too)."""
    causes = analyse(join_weights_wrong(findings=findings))
    cascade = causes.cascades["join_weights"]
    assert cascade.own + cascade.alone == alone and cascade.stopped == stopped
    assert ("formula_1" in causes.roots) == any(f.verdict is Verdict.OWN for f in findings)
    feedback = feedback_md(Graded.of(join_weights_wrong(findings=findings)))
    assert ("could bring back" in feedback) == (alone > 2)
    if stopped:
        assert ("`formula_1` and `hidden_state` stopped at the error `join_weights` raised, so "
                "the rest of their code can be checked once `join_weights` is fixed.") in feedback


def test_lost_points_split_into_own_and_dependency_adds_up_to_the_score():
    result = join_weights_wrong()
    for question, (own, through) in trace(result).split().items():
        score, possible = result.questions[question]
        assert own + through == possible - score, question


def test_feedback_says_it_once_at_the_cause_and_points_the_dependents_there():
    feedback = feedback_md(Graded.of(join_weights_wrong()))
    assert feedback.count("Fix `join_weights` first") == 1
    assert ("**Fix `join_weights` first:** `formula_1` and `hidden_state` call it and lost 5 "
            "points through it; `formula_2` lost 1 point in a check that uses `formula_1`, which "
            "calls it. Fixing `join_weights` alone could bring back 8 points.") in feedback
    assert feedback.count("Join the weights along axis=1.") == 1  # the root's hint, once
    assert "2 points lost through `join_weights`, which `formula_1` calls (see above): fix " \
           "that first." in feedback_section(feedback, "formula_1")
    assert "1 point lost through `join_weights`, in a check that uses `formula_1`, which calls " \
           "it (see above)" in feedback_section(feedback, "formula_2")
    assert "3 points lost through `join_weights`, which `hidden_state` calls" in \
        feedback_section(feedback, "hidden_state")
    assert f"**Score: 7 / {TOTAL:g}**" in feedback and "| `formula_1` | 0 / 2 |" in feedback


def test_a_dependent_with_a_mistake_of_its_own_still_shows_its_own_hint():
    """hidden_state also failed a check that did not go through join_weights: it has a
    mistake of its own, so the checks that went through both are its own too (fixing
    join_weights alone would not bring them back); the one that used formula_1 only
    was lost through join_weights."""
    own = "hidden_state returned the right shape but wrong values. The bias b_h is missing."
    result = join_weights_wrong(check("hidden_state", 5, ["hidden_state"],
                                      {"hidden_state": ["sigmoid"]}, hint=own))
    causes = analyse(result)
    assert causes.roots == ["join_weights", "hidden_state"]
    assert trace(result).split()["hidden_state"] == (3, 1)
    assert causes.cascades["join_weights"].users["hidden_state"] == 1
    feedback = feedback_md(Graded.of(result))
    section = feedback_section(feedback, "hidden_state")
    assert f"- {own}" in section
    assert "- 1 point lost through `join_weights`, in a check that uses `formula_1`" in section
    assert "`formula_1` calls it and lost 2 points through it" in feedback


def test_an_equivalence_check_is_lost_through_the_side_that_is_wrong():
    """formula_1 wrong on its own, formula_2 right on its own: the "formulas agree" point
    is formula_1's doing."""
    hint = "formula_1 returned the right shape but wrong values."
    result = result_of(check("formula_1", 2, ["formula_1"], hint=hint),
                       check("formula_2", 2, ["formula_2"]),
                       check("formula_2", 4, ["formula_1", "formula_2"], hint=hint))
    causes = analyse(result)
    assert causes.roots == ["formula_1"] and trace(result).split()["formula_2"] == (0, 1)
    assert causes.cascades["formula_1"].users == {"formula_2": 1}
    feedback = feedback_md(Graded.of(result))
    assert "**Fix `formula_1` first:** `formula_2` lost 1 point in a check that uses it." \
        in feedback
    assert "1 point lost through `formula_1`, in a check that uses it (see above)" in \
        feedback_section(feedback, "formula_2")


def test_an_equivalence_check_is_own_when_both_sides_are_wrong():
    result = result_of(check("formula_1", 2, ["formula_1"], hint="formula_1 wrong"),
                       check("formula_2", 2, ["formula_2"], hint="formula_2 wrong"),
                       check("formula_2", 4, ["formula_1", "formula_2"], hint="formula_1 wrong"))
    assert trace(result).split()["formula_2"] == (2, 0) and analyse(result).cascades == {}
    assert "Fix" not in feedback_md(Graded.of(result))


def test_an_undefined_function_is_the_cause_of_what_needs_it():
    """formula_1 was never defined: its own tests took it (and count it as called), and
    hidden_state's call raised NameError on it (the worker reports that as reached)."""
    missing = "formula_1 is not defined as a function."
    result = result_of(check("formula_1", 2, ["formula_1"], hint=missing),
                       check("hidden_state", 2, ["hidden_state"], {"hidden_state": ["formula_1"]},
                             hint="hidden_state raised NameError: name 'formula_1' is not defined"),
                       check("hidden_state", 4, ["formula_1"], hint=missing),
                       undefined=["formula_1"])
    causes = analyse(result)
    assert causes.roots == ["formula_1"] and trace(result).split()["hidden_state"] == (0, 2)
    assert "**Fix `formula_1` first:** `hidden_state` calls it and lost 2 points" in \
        feedback_md(Graded.of(result))


def test_functions_that_fail_only_through_each_other_are_each_a_cause():
    result = result_of(check("formula_1", 2, ["formula_1"], {"formula_1": ["formula_2"]}, hint="a"),
                       check("formula_2", 2, ["formula_2"], {"formula_2": ["formula_1"]}, hint="b"))
    assert analyse(result).roots == ["formula_1", "formula_2"]
    assert trace(result).split()["formula_1"] == (1, 0) and trace(result).split()["formula_2"] == (1, 0)


def test_a_passing_function_reached_is_no_cause():
    """A report that a failing test reached a function that passes its own tests (forged,
    or harmless) leaves the failure where it is."""
    result = result_of(check("sigmoid", 2, ["sigmoid"]),
                       check("hidden_state", 2, ["hidden_state"], {"hidden_state": ["sigmoid"]},
                             hint="hidden_state wrong"))
    assert analyse(result).roots == ["hidden_state"] and trace(result).split()["hidden_state"] == (1, 0)


def test_causes_never_touch_a_score():
    result = join_weights_wrong()
    before = copy.deepcopy(result.to_dict())
    analyse(result)
    feedback_md(Graded.of(result))
    feedback_md(Graded.of(result), public_only=True)
    assert result.to_dict() == before
    stripped = copy.deepcopy(result)
    for test in stripped.tests:
        test.reached = {}
    assert feedback_md(Graded.of(stripped)).split("## What to fix")[0] == \
        feedback_md(Graded.of(result)).split("## What to fix")[0]


def test_public_only_traces_the_public_checks_and_shows_no_hidden_hint_nor_points():
    result = join_weights_wrong()
    causes = analyse(result, public_only=True)
    assert all(not loss.points for loss in causes.losses)
    assert [loss.test for loss in causes.losses] == ["join_weights - 1", "formula_1 - 1",
                                               "hidden_state - 1"]
    feedback = feedback_md(Graded.of(result), public_only=True)
    assert ("**Fix `join_weights` first:** `formula_1` and `hidden_state` call it and fail their "
            "public checks because of it.") in feedback
    assert "point" not in feedback.split("## What to fix")[1]
    assert "formula_2" not in feedback.split("## What to fix")[1]  # only a hidden check failed


def test_results_written_before_causes_load_and_read_as_before():
    """An old results.json has no calls nor reached: every loss is then the question's own."""
    data = join_weights_wrong().to_dict()
    for test in data["tests"]:
        del test["calls"], test["reached"]
    old = results.Result.from_dict(data)
    assert old.tests[0].calls == [] and old.tests[0].reached == {}
    assert analyse(old).cascades == {} and "Fix" not in feedback_md(Graded.of(old))
    assert trace(old).split()["formula_1"] == (2, 0)


def test_the_catalogue_judge_wants_the_cause_said_once_and_the_score_unchanged():
    case = Case("jw", "cascades", "", {"root": "join_weights", "score": "7",
                                       "dependents": "formula_1, formula_2, hidden_state"})
    assert judge_cascade(case, join_weights_wrong()) == (
        True, f"7/{TOTAL:g}; through join_weights: formula_1 2, formula_2 1, hidden_state 3")
    untraced = join_weights_wrong()
    for test in untraced.tests:
        test.reached = {}
    ok, detail = judge_cascade(case, untraced)
    assert not ok and "join_weights first" in detail and "formula_1 lost 2 on its own" in detail
    case.meta["score"] = "8"
    assert judge_cascade(case, join_weights_wrong()) == (
        False, f"7/{TOTAL:g}; through join_weights: formula_1 2, formula_2 1, hidden_state 3: score 7, "
        "expected 8")


# ------------------------------------------------------ the two sides of the report
@pytest.mark.parametrize("reported, kept", [
    (["join_weights", "formula_1"], ("formula_1", "join_weights")),
    ([], ()),
    ("join_weights", ()),  # not a list
    (["join_weights", "rm -rf"], ()),  # a name that is not graded
    ([["join_weights"]], ()),
    (FUNCTIONS + ["sigmoid"], ()),  # longer than the graded names
    (None, ()),
])
def test_the_trusted_side_keeps_only_a_list_of_graded_names(reported, kept):
    assert sessions._read_reached(reported, FUNCTIONS) == kept


STUDENT_CODE = '''
import numpy as np

def join_weights(w_hh, w_hx):
    """Join the weights."""
    return np.concatenate((w_hh, w_hx), axis=1)

join_weights.note = "kept"

def formula_1(w_hh, w_hx, h, x):
    return join_weights(w_hh, w_hx) @ np.vstack((h, x))

def hidden_state(w_hh, w_hx, h, x, b):
    z = formula_1(w_hh, w_hx, h, x) + b
    return sigmoid(z)

class formula_2:
    pass

join_state_and_input = np.vstack
'''


def test_the_worker_records_the_graded_functions_a_call_reaches(worker):
    import numpy as np
    env = {"__name__": "__main__"}
    exec(STUDENT_CODE, env)
    original, cls, builtin = env["join_weights"], env["formula_2"], env["join_state_and_input"]
    reach = worker.Reach(env, FUNCTIONS)
    wrapped = env["join_weights"]
    assert wrapped is not original and wrapped.__wrapped__ is original
    assert (wrapped.__name__, wrapped.__doc__, wrapped.note) == \
        ("join_weights", "Join the weights.", "kept")
    assert env["formula_2"] is cls and env["join_state_and_input"] is builtin  # left as they are
    args = (np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 1)), np.ones((3, 1)))
    assert np.array_equal(env["formula_1"](*args), original(*args[:2]) @ np.vstack(args[2:]))
    assert reach.report("formula_1") == ["join_weights"]
    assert reach.report("formula_1") == []  # each report covers one call
    with pytest.raises(NameError) as raised:
        env["hidden_state"](*args, np.zeros((2, 1)))
    reach.missed(raised.value)
    assert reach.report("hidden_state") == ["formula_1", "join_weights", "sigmoid"]


# --------------------------------------------------------------- end to end
TWO_MISTAKES = '''import numpy as np


def join_weights(w_hh, w_hx):
    w_h = np.concatenate((w_hh, w_hx), axis=0)
    return w_h


import math


def sigmoid(z):
    s = 1 / (1 + math.exp(-z))
    return s
'''


@pytest.fixture(scope="module")
def two_mistakes(tmp_path_factory):
    """The issue's notebook: join_weights joined along axis=0, sigmoid with math.exp."""
    return variant(tmp_path_factory.mktemp("causes") / "two_mistakes.ipynb", source=TWO_MISTAKES)


def test_the_sandbox_traces_the_two_mistakes_to_their_causes(grade, two_mistakes):
    result = grade(two_mistakes)
    # 5 as graded before causes were traced (measured at e779a7a); 4 since the hidden tests
    # give the sigmoid a single number far from 0, where math.exp raises OverflowError.
    assert result.score == 4
    causes = analyse(result)
    assert causes.roots == ["join_weights", "sigmoid"]
    assert trace(result).split() == {"join_weights": (2, 0), "join_state_and_input": (0, 0),
                             "formula_1": (0, 2), "formula_2": (0, 1), "sigmoid": (3, 0),
                             "hidden_state": (0, 3)}
    feedback = feedback_md(Graded.of(result))
    assert feedback.count("**Fix `join_weights` first:**") == 1
    assert "`formula_1` and `hidden_state` call it and lost 5 points through it" in feedback
    # formula_1 and hidden_state raised join_weights' error: nothing is known yet of the
    # rest of their code, so no "alone could bring back" is promised; they are named.
    assert ("`formula_1` and `hidden_state` stopped at the error `join_weights` raised, so the "
            "rest of their code can be checked once `join_weights` is fixed.") in feedback
    assert "could bring back" not in feedback and "Fix `sigmoid` first" not in feedback
    assert "use np.exp" in feedback_section(feedback, "sigmoid")
    for dependent in ("formula_1", "formula_2", "hidden_state"):
        section = feedback_section(feedback, dependent)
        assert "through `join_weights`" in section and "raised" not in section, section


MIXED = '''import numpy as np


def join_weights(w_hh, w_hx):
    return np.concatenate((w_hh, w_hx), axis=0)


def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    return sigmoid(np.matmul(w_hh, h_t_prev) + np.matmul(w_hx, x_t))
'''


def test_a_dependent_with_its_own_mistake_keeps_its_hint_end_to_end(grade, tmp_path):
    """hidden_state leaves out the bias and does not call formula_1: its own checks fail
    without reaching join_weights, so its hint shows. Each of its checks calls it (none
    is lost through another function: a blank hidden_state keeps none of its points)."""
    result = grade(variant(tmp_path / "mixed.ipynb", source=MIXED))
    assert analyse(result).roots == ["join_weights", "hidden_state"]
    assert trace(result).split()["hidden_state"] == (3, 0)
    feedback = feedback_md(Graded.of(result))
    assert ("`formula_1` calls it and lost 2 points through it; `formula_2` lost 1 point in a "
            "check that uses `formula_1`, which calls it.") in feedback
    section = feedback_section(feedback, "hidden_state")
    assert "The bias b_h is missing" in section and "through" not in section


def test_what_the_sandbox_reports_changes_no_score(grade, two_mistakes, monkeypatch):
    """The same notebook with every reach report thrown away: the same scores and hints."""
    traced = grade(two_mistakes)
    monkeypatch.setattr(sessions, "_read_reached", lambda reached, names: ())
    blind = grade(two_mistakes)
    assert [(t.name, t.score, t.hint, t.calls) for t in traced.tests] == \
        [(t.name, t.score, t.hint, t.calls) for t in blind.tests]
    assert traced.questions == blind.questions and traced.score == blind.score
    assert all(t.reached == {} for t in blind.tests)
    assert any(t.reached for t in traced.tests)
    assert SEED == traced.provenance.seed == blind.provenance.seed


def test_gradescope_tests_lost_through_a_cause_say_so_first():
    from hsa.writers.results import results_json
    from hsa.settings import Visibility
    tests = {t["name"]: t["output"] for t in results_json(Graded.of(join_weights_wrong()),
                                                          Visibility())["tests"]}
    pointer = "Lost through `join_weights`: fix that first (see the feedback).\n"
    assert tests["formula_1 - 1 (public)"] == pointer + F1_HINT
    assert tests["formula_2 - 4 (hidden)"] == pointer + F1_HINT
    assert tests["join_weights - 2 (hidden)"] == JW_HINT
    assert tests["formula_2 - 2 (hidden)"] == "Passed."
