"""A submission past its memory cap is ``killed``, the cap named in its feedback, by every
path the kernel charges memory through; the OOM killer never picks its zygote, the result
is never ``grader_failed``, and the next submission is graded in full (issue 29).

The cap is a cgroup (as root); the attacks are tests/attacks/catalogue.py's, graded here
with a cap of :data:`CAP_MIB` so that each run ends in a fraction of a second.
``tests/attacks/run_memory_attacks.py`` runs them at the default cap, 50 times each.
"""

import dataclasses
import os

import pytest

import catalogue
import probe
from hsa.outcomes import Isolation, Status
from hsa.sandbox import cgroup, warm
from hsa.trusted.grader import grade_file
from hsa.writers.feedback import feedback_md
from hsa.writers.graded import Graded

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(cgroup.kind() is None, reason="no cgroup can be made here (not "
                                 "root, or a read-only cgroup filesystem): rlimits bound each "
                                 "process instead, and memfd, socket buffers and a nested "
                                 "tmpfs are not bounded by them (docs/trust-model.md)")]

SEED = 20261125
CAP_MIB = 256
RUNS = 20  # per path, each with a correct submission after it: 6 x 20 x 2 gradings
CAPPED = f"went over the submission's memory cap of {CAP_MIB} MiB, all its processes together"


@pytest.fixture(scope="module")
def capped(autograder):
    """The autograder with a small cap on each submission as a whole."""
    settings = dataclasses.replace(autograder.settings, submission_memory_mib=CAP_MIB)
    return dataclasses.replace(autograder, config=dataclasses.replace(autograder.config,
                                                                      settings=settings))


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    attack = catalogue.Attack("honest", "", "pass\n", "last", base="master")
    return catalogue.build(attack, tmp_path_factory.mktemp("honest") / "honest.ipynb",
                           probe.new_marker())


def unshare_refused(result):
    """True when the sandbox refused the nested attack its namespaces (a seccomp filter's
    EPERM): the cell then raised, before it could mount anything."""
    return (result.status is Status.ERROR and len(result.cells) == 1
            and result.cells[0].raised is not None
            and "unshare: Operation not permitted" in result.cells[0].raised.message)


@pytest.mark.parametrize("name", catalogue.MEMORY_ATTACKS)
def test_every_run_past_the_cap_is_killed_and_the_next_is_graded(name, capped, honest, tmp_path,
                                                                 monkeypatch):
    pool = warm.Pool()  # this test's zygotes, so that the zygote's survival is seen
    monkeypatch.setattr(warm, "POOL", pool)
    attack = catalogue.BY_NAME[name]
    path = catalogue.build(attack, tmp_path / f"{name}.ipynb", probe.new_marker())
    zygotes, outcomes = set(), []
    try:
        for _ in range(RUNS):
            result = grade_file(path, name, capped, SEED, Isolation.BWRAP_ZYGOTE)
            if name == "memory-nested-tmpfs" and unshare_refused(result):
                outcomes.append("refused")
            else:
                assert result.status is Status.KILLED, (result.status, result.message)
                assert result.message.endswith(f"stopped the process ({CAPPED}) and was skipped")
                assert f"stopped the process ({CAPPED}) and was skipped." in feedback_md(Graded.of(result))
                outcomes.append("killed")
            assert result.score == catalogue.FULL_MARKS  # its functions were graded all the same
            zygotes |= {zygote.process.pid for zygote in pool._idle}
            again = grade_file(honest, "honest", capped, SEED, Isolation.BWRAP_ZYGOTE)
            assert (again.status, again.score) == (Status.GRADED, catalogue.FULL_MARKS)
    finally:
        pool.close_all()
    assert len(set(outcomes)) == 1, outcomes  # one outcome on a machine, never a mix
    assert len(zygotes) == 1  # one zygote served every run: the kernel never killed it


def graded_with_zygotes_killed(autograder, notebook, monkeypatch, deaths):
    """Grade ``notebook`` with the zygote of each of the first ``deaths`` children killed
    as its child starts (SIGKILL to its process group: not the child's doing)."""
    pool = warm.Pool()
    monkeypatch.setattr(warm, "POOL", pool)
    killed = []
    real_start = warm.WarmSandbox.start

    def start(self):
        real_start(self)
        if len(killed) < deaths:
            killed.append(self.zygote.process.pid)
            os.killpg(self.zygote.process.pid, 9)
    monkeypatch.setattr(warm.WarmSandbox, "start", start)
    try:
        return grade_file(notebook, "honest", autograder, SEED, Isolation.BWRAP_ZYGOTE)
    finally:
        pool.close_all()


def test_a_zygote_that_dies_under_its_child_is_replaced_and_the_submission_graded_again(
        autograder, honest, monkeypatch):
    """A zygote killed while its child runs (not by the child: no cap reached) is the
    grader's failure: the submission is graded again from a new zygote, in full."""
    result = graded_with_zygotes_killed(autograder, honest, monkeypatch, deaths=1)
    assert (result.status, result.score) == (Status.GRADED, catalogue.FULL_MARKS)


def test_a_second_zygote_death_is_a_grader_failure(autograder, honest, monkeypatch):
    result = graded_with_zygotes_killed(autograder, honest, monkeypatch, deaths=2)
    assert result.status is Status.GRADER_FAILED
    assert "the zygote died while a submission ran, not at its doing" in result.message
    assert "twice: a new zygote died too" in result.message
