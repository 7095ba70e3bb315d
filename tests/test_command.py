"""The worker's command lines, per isolation: what bubblewrap mounts, how the user is
dropped, which limits bind (pure functions: nothing is started here)."""

import os
import pathlib
import sys

import pytest

from hsa.outcomes import Isolation
from hsa.sandbox import command
from hsa.sandbox.command import INSIDE, SCRATCH, Limits

WORKER_DIR = pathlib.Path("/opt/hsa/untrusted")
FD = 7
PYTHON = [sys.executable, "-E", "-s"]


def options(argv, name, arity):
    """The arguments of every ``name`` option (``arity`` of them each) in a bwrap argv."""
    bwrap_part = argv[:argv.index("--")]
    return [tuple(bwrap_part[i + 1:i + 1 + arity]) for i, a in enumerate(bwrap_part) if a == name]


def after_separator(argv):
    return argv[argv.index("--") + 1:]


# ------------------------------------------------------------------ bwrap
@pytest.mark.parametrize("isolation", [Isolation.BWRAP])
def test_bwrap_mounts_only_the_workers_files_and_python(isolation):
    argv = command.worker(isolation, None, WORKER_DIR, FD)
    assert argv[0] == "bwrap"
    mounts = set(options(argv, "--ro-bind", 2))
    assert mounts == {(p, p) for p in command.python_mounts()} | {
        (str(WORKER_DIR / name), f"{INSIDE}/{name}")
        for name in ("worker.py", "protocol.py", "kernel.py")}
    assert {src for src, _ in options(argv, "--ro-bind-try", 2)} == \
        {"/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache"}
    for writable in ("--bind", "--bind-try", "--dev-bind", "--dev-bind-try"):
        assert options(argv, writable, 2) == []
    assert [t for (t,) in options(argv, "--tmpfs", 1)] == ["/tmp", SCRATCH]
    assert options(argv, "--chdir", 1) == [(SCRATCH,)]


def test_bwrap_isolates_network_pids_and_dies_with_the_grader():
    argv = command.worker(Isolation.BWRAP, None, WORKER_DIR, FD)
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                 "--die-with-parent", "--new-session"):
        assert flag in argv[:argv.index("--")]


def test_bwrap_without_a_uid_runs_in_a_user_namespace():
    argv = command.worker(Isolation.BWRAP, None, WORKER_DIR, FD)
    assert "--unshare-user" in argv and "--cap-add" not in argv
    assert after_separator(argv) == PYTHON + [f"{INSIDE}/worker.py", str(FD)]


def test_bwrap_as_root_drops_to_the_sandbox_uid_inside():
    argv = command.worker(Isolation.BWRAP, 60123, WORKER_DIR, FD)
    assert "--unshare-user" not in argv
    assert options(argv, "--cap-add", 1) == [("CAP_SETUID,CAP_SETGID",)]
    assert after_separator(argv) == command.setpriv(60123) + PYTHON + [f"{INSIDE}/worker.py", str(FD)]


FILTER_FD = 9


def test_bwrap_loads_the_filter_it_is_given():
    """bubblewrap loads it in its PID 1 and in the worker: the worker gets no descriptor."""
    for uid in (None, 60123):
        argv = command.worker(Isolation.BWRAP, uid, WORKER_DIR, FD, filter_fd=FILTER_FD)
        assert options(argv, "--seccomp", 1) == [(str(FILTER_FD),)]
        assert after_separator(argv)[-2:] == [f"{INSIDE}/worker.py", str(FD)]
    assert options(command.worker(Isolation.BWRAP, None, WORKER_DIR, FD), "--seccomp", 1) == []


def test_no_user_namespace_inside_bwraps_own_where_bwrap_can_say_so():
    """--disable-userns needs bubblewrap's own user namespace: as root the filter alone
    refuses one (a root grader's bubblewrap makes none)."""
    as_user = command.worker(Isolation.BWRAP, None, WORKER_DIR, FD, disable_userns=True)
    assert "--disable-userns" in as_user[:as_user.index("--")]
    as_root = command.worker(Isolation.BWRAP, 60123, WORKER_DIR, FD, disable_userns=True)
    assert "--disable-userns" not in as_root
    assert "--disable-userns" not in command.worker(Isolation.BWRAP, None, WORKER_DIR, FD)


@pytest.mark.parametrize("isolation", [Isolation.PROCESS_USER, Isolation.PROCESS])
def test_without_bwrap_the_worker_loads_the_filter_itself(isolation):
    argv = command.worker(isolation, 60123, WORKER_DIR, FD, filter_fd=FILTER_FD)
    assert argv[-3:] == [str(WORKER_DIR / "worker.py"), str(FD), str(FILTER_FD)]


@pytest.mark.parametrize("isolation", [Isolation.BWRAP_ZYGOTE, Isolation.PROCESS_USER_ZYGOTE])
def test_a_zygote_is_handed_the_filter_for_its_children(isolation):
    argv = command.zygote(isolation, True, WORKER_DIR, FD, filter_fd=FILTER_FD)
    assert argv[-3:] == [argv[-3], str(FD), str(FILTER_FD)] and argv[-3].endswith("zygote.py")
    assert "--seccomp" not in argv  # never on the zygote itself: it makes namespaces


def test_scratch_sizes_follow_the_limits():
    argv = command.worker(Isolation.BWRAP, None, WORKER_DIR, FD, Limits(scratch_bytes=12345))
    bwrap_part = argv[:argv.index("--")]
    sizes = [bwrap_part[i + 1] for i, a in enumerate(bwrap_part) if a == "--size"]
    assert sizes == ["12345", "12345"]


def test_private_tmp_comes_before_a_python_installed_under_tmp(monkeypatch):
    """Else the tmpfs on /tmp would hide a virtual environment that lives there."""
    monkeypatch.setattr(command, "python_mounts", lambda: ["/tmp/venv/lib"])
    argv = command.bwrap(None)
    tmpfs = argv.index("/tmp", argv.index("--tmpfs"))
    mount = argv.index("--ro-bind")
    assert tmpfs < mount and argv[mount:mount + 3] == ["--ro-bind", "/tmp/venv/lib", "/tmp/venv/lib"]
    dirs = [argv[i + 1] for i, a in enumerate(argv) if a == "--dir"]
    assert dirs == ["/tmp", "/tmp/venv"]  # parents made, in order, before the mount


def test_python_mounts_hold_the_interpreter_and_exist():
    mounts = command.python_mounts()
    assert mounts == sorted(set(mounts))
    assert all(os.path.exists(p) for p in mounts)
    assert sys.base_prefix in mounts and os.path.realpath(sys.executable) in mounts
    assert "/" not in mounts and str(pathlib.Path.home()) not in mounts


# ------------------------------------------------ process-user and process
def test_process_user_drops_to_the_uid_with_setpriv():
    argv = command.worker(Isolation.PROCESS_USER, 60123, WORKER_DIR, FD)
    assert argv == command.setpriv(60123) + PYTHON + [str(WORKER_DIR / "worker.py"), str(FD)]


def test_process_user_without_a_uid_is_refused_not_run_as_setpriv_none():
    """A uid is claimed for process-user (as root); without one the command line said
    --reuid=None, and setpriv failed as the worker's death (found by mypy)."""
    with pytest.raises(ValueError, match="uid of its own"):
        command.worker(Isolation.PROCESS_USER, None, WORKER_DIR, FD)


def test_process_user_with_a_private_network_and_tmp():
    argv = command.worker(Isolation.PROCESS_USER, 60123, WORKER_DIR, FD, private_namespaces=True)
    prefix = command.private_namespaces_prefix(command.Limits().scratch_bytes)
    assert argv[:len(prefix)] == prefix
    assert prefix[:3] == ["unshare", "--net", "--mount"]
    assert "mount -t tmpfs -o size=33554432,mode=1777 tmpfs /tmp" in prefix[-2]
    assert "tmpfs /var/tmp" in prefix[-2] and prefix[-2].endswith('exec "$@"')
    assert argv[len(prefix):] == command.setpriv(60123) + PYTHON + [
        str(WORKER_DIR / "worker.py"), str(FD)]


@pytest.mark.parametrize("isolation", [Isolation.PROCESS])
def test_process_runs_the_staged_worker_as_is(isolation):
    assert command.worker(isolation, None, WORKER_DIR, FD) == \
        PYTHON + [str(WORKER_DIR / "worker.py"), str(FD)]


@pytest.mark.parametrize("isolation", ["none", "bwrap", "process", None])
def test_anything_but_an_isolation_is_refused(isolation):
    """The isolation is parsed once, where a session starts; a command line is never built
    from a string, which compares unequal to Isolation.BWRAP by identity and would fall
    through to the unsandboxed branch."""
    with pytest.raises(TypeError, match="an Isolation is needed here"):
        command.worker(isolation, None, WORKER_DIR, FD)
    with pytest.raises(TypeError, match="an Isolation is needed here"):
        command.zygote(isolation, True, WORKER_DIR, FD)


def test_setpriv_drops_groups_and_capabilities():
    assert command.setpriv(60001) == ["/usr/bin/setpriv", "--reuid=60001", "--regid=60001",
                                      "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]


# ------------------------------------------------------------------ limits
def test_prlimit_values():
    limits = Limits(memory_bytes=111, cpu_seconds=22, processes=5, file_bytes=333)
    assert command.prlimit(limits) == ["prlimit", "--as=111", "--cpu=22", "--fsize=333",
                                       "--core=0", "--nproc=5", "--"]
    assert "--nproc=45" in command.prlimit(limits, extra_processes=40)


def test_default_limits():
    limits = Limits()
    assert (limits.memory_bytes, limits.cpu_seconds, limits.processes) == (1 << 30, 120, 16)
    assert (limits.file_bytes, limits.scratch_bytes, limits.max_output) == (16 << 20, 32 << 20, 64 << 10)
