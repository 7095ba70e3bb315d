"""Choosing the isolation, and the sandbox users: claimed one per sandbox, cleaned up after.

Fast: nothing here starts bubblewrap (the uid tests start a ``sleep`` as the sandbox user).
"""

import os
import subprocess

import pytest

from hsa.exceptions import SandboxUnavailable, ZygoteUnavailable
from hsa.outcomes import Isolation
from hsa.sandbox import cgroup, command, host as hosts, isolation as isolations, uids, warm

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are only used as root")


@pytest.fixture
def zygote_works(monkeypatch):
    """Whether the zygote's probe succeeds, as the test says (nothing is started)."""
    works = {"value": False}

    def probe(isolation):
        if not works["value"]:
            raise ZygoteUnavailable("unshare: Operation not permitted")
    monkeypatch.setattr(warm, "probe", probe)
    monkeypatch.delenv(isolations.ZYGOTE_SWITCH, raising=False)
    return works


@pytest.fixture(autouse=True)
def _no_zygote(zygote_works):
    """The tests below choose between fresh levels unless they say otherwise."""


@pytest.mark.parametrize("bwrap, euid, expected", [
    (True, 0, Isolation.BWRAP_ZYGOTE), (True, 1000, Isolation.BWRAP_ZYGOTE),
    (False, 0, Isolation.PROCESS_USER_ZYGOTE), (False, 1000, Isolation.PROCESS)])
def test_best_isolation_is_warm_where_the_zygote_works(monkeypatch, zygote_works, bwrap, euid,
                                                       expected):
    zygote_works["value"] = True
    monkeypatch.setattr(isolations, "bwrap_works", lambda: bwrap)
    monkeypatch.setattr(isolations, "namespaces_work", lambda: True)
    monkeypatch.setattr(isolations.os, "geteuid", lambda: euid)
    assert isolations.best_isolation() is expected


def test_choose_isolation_is_warm_where_the_zygote_works(monkeypatch, zygote_works):
    zygote_works["value"] = True
    monkeypatch.setattr(isolations, "bwrap_works", lambda: True)
    assert isolations.choose_isolation() is Isolation.BWRAP_ZYGOTE
    monkeypatch.setenv(isolations.ZYGOTE_SWITCH, "off")
    assert isolations.choose_isolation() is Isolation.BWRAP


def test_no_process_user_zygote_where_unshare_is_refused(monkeypatch, zygote_works):
    zygote_works["value"] = True
    monkeypatch.setattr(isolations, "bwrap_works", lambda: False)
    monkeypatch.setattr(isolations, "namespaces_work", lambda: False)
    monkeypatch.setattr(isolations.os, "geteuid", lambda: 0)
    assert isolations.best_isolation() is Isolation.PROCESS_USER


def test_warm_levels_fall_back_to_their_fresh_level():
    assert [i.fresh for i in Isolation] == [
        Isolation.BWRAP, Isolation.BWRAP, Isolation.PROCESS_USER, Isolation.PROCESS_USER,
        Isolation.PROCESS]
    assert [i.zygote for i in Isolation] == [
        Isolation.BWRAP_ZYGOTE, Isolation.BWRAP_ZYGOTE, Isolation.PROCESS_USER_ZYGOTE,
        Isolation.PROCESS_USER_ZYGOTE, None]


def test_choose_isolation_refuses_without_bwrap(monkeypatch):
    monkeypatch.setattr(hosts.shutil, "which", lambda name: None)
    with pytest.raises(SandboxUnavailable, match="--allow-unsandboxed"):
        isolations.choose_isolation()
    assert isolations.choose_isolation(allow_unsandboxed=True) is Isolation.PROCESS


def test_choose_isolation_refuses_when_bwrap_cannot_start(monkeypatch):
    failed = subprocess.CompletedProcess(["bwrap"], 1, b"", b"No permissions")
    monkeypatch.setattr(hosts.shutil, "which", lambda name: "/usr/bin/bwrap")
    monkeypatch.setattr(hosts.subprocess, "run", lambda *a, **k: failed)
    with pytest.raises(SandboxUnavailable):
        isolations.choose_isolation(allow_unsandboxed=False)
    assert isolations.choose_isolation(allow_unsandboxed=True) is Isolation.PROCESS


@pytest.mark.parametrize("euid, expected", [(0, Isolation.PROCESS_USER), (1000, Isolation.PROCESS)])
def test_best_isolation_without_bwrap_falls_back_by_user(monkeypatch, euid, expected):
    """Gradescope never refuses: root runs the worker as a user of its own, others as themselves."""
    monkeypatch.setattr(isolations, "bwrap_works", lambda: False)
    monkeypatch.setattr(isolations.os, "geteuid", lambda: euid)
    assert isolations.best_isolation() is expected


def test_best_isolation_prefers_bwrap(monkeypatch):
    monkeypatch.setattr(isolations, "bwrap_works", lambda: True)
    assert isolations.best_isolation() is Isolation.BWRAP


@pytest.mark.parametrize("namespace", [True, False])
def test_network_reachable_is_recorded_per_isolation(monkeypatch, namespace):
    monkeypatch.setattr(isolations, "namespaces_work", lambda: namespace)
    assert isolations.network_reachable(Isolation.BWRAP) is False
    assert isolations.network_reachable(Isolation.PROCESS) is True
    assert isolations.network_reachable(Isolation.PROCESS_USER) is (not namespace)
    assert isolations.network_reachable(Isolation.PROCESS_USER_ZYGOTE) is False
    assert isolations.network_reachable(Isolation.BWRAP_ZYGOTE) is False


@as_root
def test_sandbox_users_are_distinct_while_alive():
    """Two live sandboxes never share a uid (the process limit counts per uid)."""
    claims = [uids.claim() for _ in range(5)]
    try:
        assert len({claim.uid for claim in claims}) == 5
        assert uids.PROBE_UID not in {claim.uid for claim in claims}
        assert {claim.uid for claim in claims} <= set(uids.SANDBOX_UIDS)
    finally:
        for claim in claims:
            claim.release()


@as_root
def test_claims_move_on_from_a_uid_in_use(monkeypatch):
    """Even when every claim starts its search at the same uid."""
    monkeypatch.setattr(uids.random, "randrange", lambda n: 0)
    claims = [uids.claim() for _ in range(3)]
    try:
        assert len({claim.uid for claim in claims}) == 3
    finally:
        for claim in claims:
            claim.release()


@as_root
def test_releasing_a_uid_kills_its_processes():
    claim = uids.claim()
    sleeper = subprocess.Popen(command.setpriv(claim.uid) + ["sleep", "60"], start_new_session=True)
    try:
        assert _wait_for_owner(sleeper.pid) == claim.uid
        claim.release()
        assert sleeper.wait(timeout=10) == -9
        assert [pid for pid in uids.pids() if uids.owner(pid) == claim.uid] == []
    finally:
        sleeper.kill()
        sleeper.wait()


def _wait_for_owner(pid):
    """The uid of ``pid`` once setpriv has dropped to it (it starts as root)."""
    for _ in range(500):
        owner = uids.owner(pid)
        if owner not in (None, 0):
            return owner
        subprocess.run(["sleep", "0.01"])
    return uids.owner(pid)


@as_root
def test_remove_files_of_deletes_the_users_files_only_and_follows_no_link(tmp_path):
    uid = uids.SANDBOX_UIDS[5]
    shared, outside = tmp_path / "tmp", tmp_path / "outside"
    shared.mkdir()
    outside.mkdir()
    (outside / "keep.txt").write_text("the grader's")
    mine = shared / "mine.txt"
    mine.write_text("root's")
    theirs = [shared / "theirs.txt", shared / "folder", shared / "link"]
    theirs[0].write_text("x")
    theirs[1].mkdir()
    (theirs[1] / "inner.txt").write_text("x")
    theirs[2].symlink_to(outside, target_is_directory=True)
    for path in theirs:
        os.lchown(path, uid, uid)
    uids.remove_files_of(uid, folders=[shared])
    assert sorted(p.name for p in shared.iterdir()) == ["mine.txt"]
    assert (outside / "keep.txt").read_text() == "the grader's"


def test_owner_of_a_process_that_is_gone_is_none():
    done = subprocess.Popen(["true"])
    done.wait()
    assert uids.owner(done.pid) is None
    assert uids.owner(os.getpid()) == os.getuid()


@pytest.mark.parametrize("setting, refusing, allowing", [
    ("kernel.apparmor_restrict_unprivileged_userns", "1", "0"),  # Ubuntu 24.04's default
    ("kernel.unprivileged_userns_clone", "0", "1"),
    ("user.max_user_namespaces", "0", "15000"),
])
def test_refused_namespaces_name_the_setting_and_the_command(monkeypatch, setting, refusing, allowing):
    monkeypatch.setattr(hosts, "_sysctl", lambda name: refusing if name == setting else None)
    said = "bwrap: setting up uid map: Permission denied"
    assert hosts.refused(said) == (
        f"bubblewrap cannot start a sandbox here ({said}): {setting} = {refusing} refuses the "
        f"user namespaces bubblewrap needs. Either allow them with: sudo sysctl -w "
        f"{setting}={allowing}; or run hsa grade as root (bubblewrap then runs each submission "
        "as a user of its own); or pass --allow-unsandboxed, which runs student code as you, "
        "without isolation (it can read your files and reach the network).")


def test_without_a_cgroup_limits_are_sized_even_where_the_cpus_cannot_be_counted(monkeypatch):
    """os.cpu_count() is None where the number of CPUs cannot be told: one job is assumed
    (it was passed on as None, and sizing the limits raised TypeError)."""
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    limits = command.Limits(memory_bytes=1 << 30, processes=16)
    sized = cgroup.submission_limits(limits, Isolation.PROCESS)
    assert sized.processes == cgroup.fallback_processes(limits, 1)
