"""Our grader against the attack catalogue (tests/attacks/): no attack raises the score,
gets out of the sandbox, leaks the hidden tests or leaves a process behind.

(``tests/attacks/run_attacks.py`` runs the same attacks against ``otter run`` as well.)
"""

import concurrent.futures
import dataclasses
import json
import os
import pathlib
import time

import pytest

import catalogue
import probe
from hsa.sandbox import cgroup, command, process, seccomp, warm
from hsa.trusted.grader import grade_file

pytestmark = pytest.mark.sandbox

SEED = 20261125

# The status each attack must end with, and words its reason must hold.
EXPECTED = {
    "otter-patch-run": ("error", "ModuleNotFoundError"),
    "sys-exit-first": ("error", "SystemExit"),
    "sys-exit-master": ("error", "SystemExit"),
    "os-exit": ("killed", "exited"),
    "os-exit-master": ("killed", "exited"),
    "keyboard-interrupt": ("error", "KeyboardInterrupt"),
    "infinite-loop": ("timeout", "budget"),
    "infinite-loop-master": ("timeout", "budget"),
    "allocate-4gib": ("error", "MemoryError"),
    "protocol-forgery": ("killed", "grader's channel"),
    "protocol-flood": ("killed", "grader's channel"),
    "protocol-deep-nesting": ("killed", "nested too deeply"),
    "not-a-notebook": ("invalid", "not a Jupyter notebook"),
}
# Past the cap: killed where a cgroup caps a submission as a whole (tests/test_memory_cap.py
# has each path 20 times); as an ordinary user nothing stops 3 GiB, and each is graded
# (README, Trust model).
if cgroup.kind():
    EXPECTED.update(dict.fromkeys(catalogue.MEMORY_ATTACKS,
                                  ("killed", "went over the submission's memory cap of 2048 MiB")))
if seccomp.problem() is None:  # the filter refuses the nested namespace its tmpfs needs
    EXPECTED["memory-nested-tmpfs"] = ("error", "unshare: Operation not permitted")


def test_the_expectations_name_real_attacks_and_real_secrets():
    """Else an expectation (or the leak check) would silently test nothing."""
    assert set(EXPECTED) | {"output-50mb"} <= set(catalogue.BY_NAME)
    assert all(words for _, words in EXPECTED.values())
    secrets = catalogue.hidden_secrets()
    assert "def ref_formula_1(w_hh, w_hx, h_t_prev, x_t):" in secrets and len(secrets) > 10


@pytest.fixture(scope="module")
def quick(autograder):
    """The autograder with short budgets, so that the attacks that stall run fast."""
    settings = dataclasses.replace(autograder.settings, cell_budget_seconds=2, call_budget_seconds=2,
                                   submission_budget_seconds=15)
    return dataclasses.replace(autograder, config=dataclasses.replace(autograder.config, settings=settings))


@pytest.fixture(scope="module")
def listener():
    listening = probe.Listener()
    yield listening
    listening.close()


@pytest.fixture
def sandboxes(monkeypatch):
    """The uids of every sandbox started during the test."""
    started = []
    for kind in (process.Sandbox, warm.WarmSandbox):
        def start(self, real_start=kind.start):
            real_start(self)
            started.append(self.uid)
        monkeypatch.setattr(kind, "start", start)
    return started


def processes_of(uids):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = pathlib.Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
        if uid in uids and "State:\tZ" not in status:
            found.append(int(pid))
    return found


@pytest.mark.parametrize("attack", catalogue.ATTACKS, ids=lambda a: a.name)
def test_attack_changes_nothing(attack, quick, autograder, isolation, listener, sandboxes,
                                tmp_path):
    marker, connections = probe.new_marker(), listener.connections
    path = catalogue.build(attack, tmp_path / f"{attack.name}.ipynb", marker, listener.port,
                           probe.host_address())
    # Filling 2 GiB costs 1.4 s of CPU in page faults alone (measured here): within quick's
    # 2 s cell budget the cap and the budget would race; the assignment's budgets let the
    # cap decide, as it does for a student.
    grader = autograder if attack.name in catalogue.MEMORY_ATTACKS else quick
    try:
        result = grade_file(path, attack.name, grader, SEED, isolation)
        feedback = json.dumps(result.to_dict())
        assert result.score == attack.honest, feedback[:3000]
        assert probe.escaped_files(marker) == []
        assert listener.connections == connections, "the sandbox reached the host's network"
        assert [s for s in catalogue.hidden_secrets() if s in feedback] == []
        assert probe.leftovers(marker) == [], "processes outlived the grading"
        assert probe.keys_with(marker) == [], "keys outlived the grading"
        sandbox_uids = {uid for uid in sandboxes if uid is not None}
        assert processes_of(sandbox_uids) == [], "processes of the sandbox's user outlived it"
        assert len(result.output) <= command.Limits().max_output + 200
        if attack.name == "output-50mb":
            assert "more bytes of output dropped" in result.output
        status, words = EXPECTED.get(attack.name, ("graded", None))
        assert result.status == status, feedback[:3000]
        if words is None:  # graded: nothing to report
            assert result.message == "", feedback[:3000]
        else:
            assert words in result.message, feedback[:3000]
    finally:
        probe.clean_up(marker)


@pytest.mark.parametrize("base", ["student", "constant", "master"])
def test_honest_scores_are_what_the_attacks_claim(base, quick, isolation, tmp_path):
    """Each base notebook, with a harmless last cell, earns what ``Attack.honest`` says."""
    attack = catalogue.Attack(f"honest-{base}", "no attack", "pass\n", "last", base=base)
    path = catalogue.build(attack, tmp_path / "honest.ipynb", probe.new_marker())
    result = grade_file(path, attack.name, quick, SEED, isolation)
    assert (result.status, result.score) == ("graded", attack.honest)


@pytest.mark.skipif(not cgroup.counts_cpu(), reason="no cgroup with a CPU share here (not root, "
                    "or no cpu/cpuacct controllers): budgets count wall time, which a busy "
                    "neighbour can steal (the provenance's budgets_count says so)")
def test_a_busy_neighbour_costs_no_point(autograder, isolation, tmp_path):
    """hsa grade --jobs 2: a correct submission (whose hidden_state takes 0.6 s of CPU a
    call, 5 s allowed) graded beside one whose 13 children keep every core busy, each in a
    session (an autogroup) of its own, while its graded functions answer slowly, is graded
    15/15 without a timeout. With budgets in wall time and no CPU share it was 13/15, four
    calls past 5 s, in 3 runs of 3 (at b7d1bc7); alone, 15/15."""
    marker = probe.new_marker()
    neighbour = catalogue.build(catalogue.Attack("busy-neighbour", "", catalogue.BUSY_NEIGHBOUR,
                                                 "last", base="master"),
                                tmp_path / "neighbour.ipynb", marker)
    honest = catalogue.build(catalogue.Attack("slow-but-correct", "", catalogue.SLOW_BUT_CORRECT,
                                              "last", base="master"),
                             tmp_path / "honest.ipynb", marker)
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            beside = pool.submit(grade_file, neighbour, "neighbour", autograder, SEED, isolation)
            time.sleep(1)  # its children are busy by then
            graded = grade_file(honest, "honest", autograder, SEED, isolation)
            beside.result()
        assert (graded.status, graded.score, graded.message) == ("graded", catalogue.FULL_MARKS, "")
        assert graded.provenance.budgets_count == "CPU time (cgroup), wall time 3x at most"
        assert probe.leftovers(marker) == []
    finally:
        probe.clean_up(marker)


def test_fork_bomb_leaves_other_submissions_alone(quick, isolation, tmp_path):
    """A correct submission graded alongside a fork bomb still gets full marks."""
    marker = probe.new_marker()
    bomb = catalogue.build(catalogue.BY_NAME["fork-bomb"], tmp_path / "bomb.ipynb", marker)
    honest = catalogue.build(catalogue.Attack("honest", "", "pass\n", base="master"),
                             tmp_path / "honest.ipynb", marker)
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            graded = list(pool.map(lambda p: grade_file(p, p.stem, quick, SEED, isolation),
                                   [bomb, honest]))
        assert [r.score for r in graded] == [0, catalogue.FULL_MARKS]
        assert probe.leftovers(marker) == []
    finally:
        probe.clean_up(marker)
