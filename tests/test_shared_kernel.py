"""What the kernel shares between submissions, tried as the issue measured it: one submission
plants (keys opened to every user, a named keyring in the user keyring, a file lock) and
another senses, later (``--jobs 1``, another run) or at once (``--jobs 2``); a grader started
under a session keyring holding an operator's key; the grader's own user keyring (a grader
that is not root: every child runs as its uid); and typing into the grader's terminal. Each
graded with ``hsa grade`` as an operator runs it, warm and fresh (``HSA_ZYGOTE=off``).

Each fails without the system-call filter (hsa.sandbox.seccomp) and the keyring each child
joins: at b7d1bc7 the reader printed the planted keys and the operator's, and each of two
concurrent submissions saw the other's flock, fcntl and OFD locks.
"""

import json
import os
import pathlib
import pty
import subprocess
import sys

import pytest

import catalogue
import probe
from hsa.sandbox import seccomp
from hsa.sandbox.isolation import ZYGOTE_SWITCH
from hsa.sandbox.uids import SANDBOX_UIDS

pytestmark = [pytest.mark.sandbox, pytest.mark.bwrap,
              pytest.mark.skipif(seccomp.problem() is not None,
                                 reason=f"no system-call filter here: {seccomp.problem()}")]

DESIGNS = {"warm": {}, "fresh": {ZYGOTE_SWITCH: "off"}}
REFUSED = "[Errno 1] Operation not permitted"
HSA = [sys.executable, "-m", "hsa.cli"]
# An operator's login (pam_keyinit) or a systemd service: hsa grade in a session keyring of its
# own that holds a key; then hsa grade itself (os.execv keeps the session keyring).
UNDER_A_SESSION_KEYRING = """
import os, sys
sys.path.insert(0, {tests!r})
import probe
probe._syscall("keyctl", 1, b"operator-session")  # KEYCTL_JOIN_SESSION_KEYRING, named
probe.add_key({name!r}, {secret!r}, -3)  # into @s
os.execv(sys.executable, [sys.executable, "-m", "hsa.cli", *sys.argv[1:]])
"""


@pytest.fixture
def marker() -> str:
    marked = probe.new_marker()
    yield marked
    probe.clean_up(marked)


def build(folder: pathlib.Path, marker: str, **attacks: str) -> list[pathlib.Path]:
    """Notebooks named after the keywords, each with the attack its value names."""
    return [catalogue.build(catalogue.BY_NAME[attack], folder / f"{name}.ipynb", marker)
            for name, attack in attacks.items()]


def grade(paths: list[pathlib.Path], out: pathlib.Path, jobs: int, design: str,
          prefix: list | tuple = ()) -> dict[str, str]:
    """Run hsa grade as an operator does; each submission's output, by name."""
    env = {**os.environ, **DESIGNS[design]}
    done = subprocess.run([*prefix, "grade", *map(str, paths), "--jobs", str(jobs),
                           "--out", str(out), "--force"], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return {path.stem: read_output(out, path.stem) for path in paths}


def read_output(out: pathlib.Path, name: str) -> str:
    result = json.loads((out / name / "results.json").read_text())["extra_data"]
    assert result["status"] == "graded", result["message"]
    assert result["provenance"]["syscall_filter"].startswith("seccomp")
    return result["output"]


def sandbox_uids() -> set[int]:
    """Whose keys a submission would own: the sandbox's uids as root, the grader's otherwise."""
    return set(SANDBOX_UIDS) if os.geteuid() == 0 else {os.getuid()}


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("jobs", [1, 2])
def test_keys_are_no_channel_to_a_later_or_a_concurrent_submission(tmp_path, marker, jobs, design):
    plant, read = build(tmp_path, marker, plant="keyring-plant", read="keyring-read")
    before = probe.key_users()
    if jobs == 1:  # a later run: another uid (as root), the same one (as a user)
        said = {**grade([plant], tmp_path / "first", 1, design, HSA),
                **grade([read], tmp_path / "later", 1, design, HSA)}
    else:  # graded at once: the reader looks for 1.5 s
        said = grade([plant, read], tmp_path / "out", 2, design, HSA)
    for what in ("an open key in the user keyring", "a named keyring linked into the user "
                 "keyring", "a key in the session keyring"):
        assert f"could not plant {what}: {REFUSED}" in said["plant"]
    assert f"could not read the user keyring: {REFUSED}" in said["read"]
    assert f"could not read the session keyring: {REFUSED}" in said["read"]
    assert [line for line in said["read"].splitlines() if line.startswith("read ")] == []
    assert probe.keys_with(marker) == []
    assert probe.keys_grown(before, sandbox_uids()) == {}


@pytest.mark.parametrize("design", DESIGNS)
def test_an_operators_session_keyring_is_out_of_reach(tmp_path, marker, design):
    """Every child used to inherit the grader's session keyring: the reader printed the
    operator's key. Each child now joins a fresh one, and keyctl is refused anyway."""
    (read,) = build(tmp_path, marker, read="keyring-read")
    secret = f"operator-secret-{marker}".encode()
    start = [sys.executable, "-c", UNDER_A_SESSION_KEYRING.format(
        tests=str(pathlib.Path(probe.__file__).parent), name=f"operator-token-{marker}",
        secret=secret)]
    said = grade([read], tmp_path / "out", 1, design, start)["read"]
    assert secret.decode() not in said and "operator-token" not in said
    assert f"could not read the session keyring: {REFUSED}" in said


@pytest.mark.parametrize("design", DESIGNS)
def test_the_graders_own_user_keyring_is_out_of_reach(tmp_path, marker, design):
    """As a user (design U), every child runs as the grader's uid, whose user keyring holds
    the instructor's keys; as root, a child's uid is another one's."""
    (read,) = build(tmp_path, marker, read="keyring-read")
    secret = f"instructor-secret-{marker}".encode()
    probe.add_key(f"instructor-{marker}", secret, -4)  # @u: the grader's user keyring
    said = grade([read], tmp_path / "out", 1, design, HSA)["read"]
    assert secret.decode() not in said
    assert f"could not read the user keyring: {REFUSED}" in said


@pytest.mark.parametrize("design", DESIGNS)
def test_file_locks_are_no_channel_between_concurrent_submissions(tmp_path, marker, design):
    """Two submissions graded at once lock the standard library's os.py and look for the
    other's lock for 6 s: at b7d1bc7 each saw the other's (flock, fcntl, OFD)."""
    paths = build(tmp_path, marker, one="file-locks", other="file-locks")
    said = grade(paths, tmp_path / "out", 2, design, HSA)
    for output in said.values():
        assert "saw a neighbour's lock: none" in output
        for kind in ("flock", "fcntl", "ofd"):
            assert f"{kind}: refused ({REFUSED})" in output
        assert "inotify: refused (Operation not permitted)" in output


@pytest.mark.parametrize("design", DESIGNS)
def test_no_terminal_to_type_into_and_no_kernel_surface(tmp_path, marker, design):
    """hsa grade started on a terminal (its controlling one): a submission cannot open it
    (each child leads a session of its own), TIOCSTI is refused even on a pty of its own, and
    so is each call of the kernel's attack surface the issue found open."""
    (surface,) = build(tmp_path, marker, surface="kernel-surface")
    pid, terminal = pty.fork()
    if pid == 0:  # the grader, with the pty as its controlling terminal
        os.environ.update(DESIGNS[design])
        os.execv(sys.executable, [*HSA, "grade", str(surface), "--jobs", "1", "--out",
                                  str(tmp_path / "out"), "--force"])
    printed = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # EIO: the grader has ended and closed the terminal
            break
        if not chunk:
            break
        printed += chunk
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, printed.decode()[-2000:]
    said = read_output(tmp_path / "out", "surface")
    lines = said[said.index("unshare(user, net, mount)"):].strip().splitlines()
    assert lines == [
        "unshare(user, net, mount): refused (Operation not permitted)",
        "mount tmpfs: refused (Operation not permitted)",
        "io_uring_setup: refused (Operation not permitted)",
        "userfaultfd: refused (Operation not permitted)",
        "perf_event_open: refused (Operation not permitted)",
        "bpf: refused (Operation not permitted)",
        "ptrace(PTRACE_TRACEME): refused (Operation not permitted)",
        "process_vm_readv(PID 1): refused (Operation not permitted)",
        "personality(ADDR_NO_RANDOMIZE): refused (Operation not permitted)",
        "clone3: refused (Function not implemented)",
        "the grader's terminal: refused (No such device or address)",
        "TIOCSTI: refused (Operation not permitted)",
        "AF_VSOCK socket: refused (Operation not permitted)"]
