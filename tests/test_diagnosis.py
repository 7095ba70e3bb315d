"""The diagnosis: from a submission's recorded calls alone, which functions are wrong on their
own, which only through what their callees returned, and what each mistake is.

The "student" functions here run in this test process, through the worker's own recorder
(``Reach``), to make the records the sandbox would send; the diagnosis then reads only
those records, as the trusted grader does.
"""

import numpy as np
import pytest

from hsa.outcomes import Verdict
from hsa.sandbox.session import GradedCall, _read_nested
from hsa.trusted import diagnosis, mutants
from hsa.trusted.autograder import load
from hsa.untrusted.protocol import Raised

RNG = np.random.default_rng(3)
N_H, N_X = 3, 2


def problem(m=2):
    return (RNG.standard_normal((N_H, N_H)), RNG.standard_normal((N_H, N_X)),
            RNG.standard_normal((N_H, m)), RNG.standard_normal((N_X, m)),
            RNG.standard_normal((N_H, 1)))


ARGS = {"join_weights": (0, 1), "join_state_and_input": (2, 3), "formula_1": (0, 1, 2, 3),
        "formula_2": (0, 1, 2, 3), "sigmoid": (), "hidden_state": (0, 1, 2, 3, 4)}

RIGHT = '''
import numpy as np

def join_weights(w_hh, w_hx):
    return np.hstack((w_hh, w_hx))

def join_state_and_input(h_t_prev, x_t):
    return np.vstack((h_t_prev, x_t))

def formula_1(w_hh, w_hx, h_t_prev, x_t):
    return join_weights(w_hh, w_hx) @ join_state_and_input(h_t_prev, x_t)

def formula_2(w_hh, w_hx, h_t_prev, x_t):
    return w_hh @ h_t_prev + w_hx @ x_t

def sigmoid(z):
    return 1 / (1 + np.exp(-z))

def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    return sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t) + b_h)
'''


@pytest.fixture(scope="module")
def diagnoser():
    autograder = load()
    return diagnosis.Diagnoser(autograder.solution, autograder.graded_functions)


def calls_of(worker, source, name, times=3):
    """Run the student's ``name`` (RIGHT with ``source`` defined after it) on ``times``
    problems through the worker's recorder: the GradedCalls the session would keep."""
    env = {"__name__": "__main__"}
    exec(RIGHT + source, env)
    names = list(ARGS)
    reach = worker.Reach(env, names)
    made = []
    for _ in range(times):
        drawn = problem()
        args = tuple(drawn[i] for i in ARGS[name]) or (drawn[2],)
        reach.begin(env[name])
        value, raised = None, None
        try:
            value = env[name](*[a.copy() for a in args])
        except Exception as error:
            raised = Raised(type(error).__name__, str(error).strip().splitlines()[-1])
        made.append(GradedCall(name, (), args, value, raised, True,
                               _read_nested(reach.nested, names)))
    return made


def test_a_right_function_has_no_finding(diagnoser, worker):
    assert diagnoser.diagnose("formula_1", calls_of(worker, "", "formula_1")) is None


def test_a_mistake_of_its_own_is_named_by_the_mutant_that_gives_what_it_gave(diagnoser, worker):
    source = "def formula_2(w_hh, w_hx, h_t_prev, x_t):\n    return w_hh.T @ h_t_prev + w_hx @ x_t\n"
    found = diagnoser.diagnose("formula_2", calls_of(worker, source, "formula_2"))
    assert found.verdict is Verdict.OWN
    assert found.sentence == "`w_hh` is transposed; the formula uses it as it is."


def test_a_right_function_with_a_wrong_callee_is_found_right_through_it(diagnoser, worker):
    """formula_1 is right; join_state_and_input puts x_t on top. Its records show what the
    callee returned, and the solution with that answer gives what formula_1 gave."""
    source = "def join_state_and_input(h_t_prev, x_t):\n    return np.vstack((x_t, h_t_prev))\n"
    found = diagnoser.diagnose("formula_1", calls_of(worker, source, "formula_1"))
    assert (found.verdict, found.sentence) == (Verdict.THROUGH, "")


def test_a_function_that_only_raised_its_callees_error_stopped_there(diagnoser, worker):
    source = "def join_state_and_input(h_t_prev, x_t):\n    return h_t_prev + x_t\n"
    found = diagnoser.diagnose("formula_1", calls_of(worker, source, "formula_1"))
    assert found.verdict is Verdict.STOPPED and found.stopped_at == ["join_state_and_input"]
    own = diagnoser.diagnose("join_state_and_input",
                             calls_of(worker, source, "join_state_and_input"))
    assert own.sentence == ("`h_t_prev` and `x_t` are added instead of joined: "
                            "`np.concatenate((h_t_prev, x_t), axis=0)`.")


def test_a_function_wrong_on_its_own_is_named_even_when_its_callee_is_wrong(diagnoser, worker):
    """The issue's chained pair: join_state_and_input puts x_t on top, and formula_1 uses *."""
    source = ("def join_state_and_input(h_t_prev, x_t):\n    return np.vstack((x_t, h_t_prev))\n"
              "def formula_1(w_hh, w_hx, h_t_prev, x_t):\n"
              "    return join_weights(w_hh, w_hx) * join_state_and_input(h_t_prev, x_t)\n")
    found = diagnoser.diagnose("formula_1", calls_of(worker, source, "formula_1"))
    assert found.verdict is Verdict.OWN
    assert found.sentence.startswith("`join_weights(w_hh, w_hx)` and `join_state_and_input("
                                     "h_t_prev, x_t)` are multiplied element by element (`*`)")


def test_an_equivalent_rewrite_is_never_a_mistake(diagnoser, worker):
    """hidden_state through formula_2 (formula_2 wrong): the mutant "formula_2 is called
    where formula_1 belongs" gives the solution's results, so it is an alternative: with
    the student's formula_2 answering, it shows hidden_state right given its callees."""
    source = ("def formula_2(w_hh, w_hx, h_t_prev, x_t):\n    return w_hh @ h_t_prev\n"
              "def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):\n"
              "    return sigmoid(formula_2(w_hh, w_hx, h_t_prev, x_t) + b_h)\n")
    found = diagnoser.diagnose("hidden_state", calls_of(worker, source, "hidden_state"))
    assert (found.verdict, found.sentence) == (Verdict.THROUGH, "")


def test_on_errors_alone_a_mistake_is_named_only_where_few_slips_fit(diagnoser):
    """One raising call fits many mutants that raise the same message: more than MAX_SAID
    different sentences say nothing (the error's own advice stays); fewer are said
    together. Values that fit several slips name them together, at most MAX_SAID."""
    solution = diagnoser.solution
    many = [mutants.Mutant("f", (mutants.Edit((), None, f"slip {i}."),), f"s{i}", lambda: None)
            for i in range(diagnosis.MAX_SAID + 1)]
    assert diagnosis.said(many, values=False) is None
    assert diagnosis.said(many[:1], values=False) == "slip 0."
    assert diagnosis.said(many[:2], values=True) == \
        "What your function did fits each of these slips: slip 0. Or: slip 1."
    assert diagnosis.said(many, values=True).count(" Or: ") == diagnosis.MAX_SAID - 1
    left_out = [m for m in mutants.single(solution, "formula_1")
                if m.edits[0].left_out in ("w_hh", "h_t_prev")]
    assert diagnosis.said(left_out, values=True) == mutants.left_out_sentence(["w_hh",
                                                                               "h_t_prev"])


def test_forged_records_are_ignored(diagnoser, worker):
    """The worker's records come from the sandbox: malformed ones are skipped, and no
    record makes the diagnosis raise."""
    calls = calls_of(worker, "", "formula_1")
    forged = [{"call": "join_weights", "args": [{"t": "ndarray", "npy": "not base64!"}],
               "value": {"t": "plain", "v": 1}},
              {"call": "join_weights", "args": [], "error": {"type": 3}},
              "not a record", {"call": "rm -rf", "args": []}]
    kept = _read_nested(forged, list(ARGS))
    assert len(kept) == 2 and diagnosis.records(GradedCall("f", nested=kept))[0].name == \
        "join_weights"
    wrong = [GradedCall(c.name, (), c.args, c.value + 1, None, True, kept) for c in calls]
    found = diagnoser.diagnose("formula_1", wrong)
    assert found.verdict is Verdict.OWN


def test_a_mutant_result_is_computed_once_per_input(diagnoser, worker, monkeypatch):
    source = "def formula_2(w_hh, w_hx, h_t_prev, x_t):\n    return w_hh.T @ h_t_prev + w_hx @ x_t\n"
    calls = calls_of(worker, source, "formula_2")
    diagnoser.diagnose("formula_2", calls)
    runs = []
    monkeypatch.setattr(diagnosis, "run", lambda f, args: runs.append(f) or
                        diagnosis.Outcome(raised="counted"))
    diagnoser.diagnose("formula_2", calls)
    assert runs == [], "the same inputs again: every result from the cache"
