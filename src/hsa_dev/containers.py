"""A platform's grading container, run here as the platform runs it: no Docker daemon, no registry.

The base is Debian 12 made with ``debootstrap`` (minbase, plus what our Dockerfiles install:
python3, python3-venv, bubblewrap), cached under a folder named by a digest of its inputs
and reused while it is there; ``podman import`` makes it an image, and each platform's
image is built from its committed Dockerfile with ``podman build --from`` that base
(wheels from PyPI; nothing compiled). A run gives the container what the platform gives
it: its mounts and environment variables, ``--network none``, its user, its memory, CPU
and process limits, Docker's default capabilities and seccomp profile (:func:`docker_seccomp`:
namespaces need CAP_SYS_ADMIN, which a grading container never has), and its timeout.

Where podman cannot run (an ordinary user: rootless podman on this machine's cgroup v1
cannot set a memory limit), :func:`run` runs the same image's filesystem, exported by a
root run before, under bubblewrap with the same mounts, environment and no network, as
the user itself, with no further user namespace (as the seccomp profile allows none); no
memory or CPU limit there, and ``Run.how`` says which way it ran.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import pathlib
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from hsa.exceptions import HarnessError

CACHE = pathlib.Path(os.environ.get("HSA_CONTAINER_CACHE", "/var/tmp/hsa-containers"))
"""Where the base's and images' filesystems are kept between runs (world-readable, so
that an ordinary user's run can use what a root run exported)."""
SUITE, MIRROR = "bookworm", "http://deb.debian.org/debian"
BASE_PACKAGES = ("python3", "python3-venv", "bubblewrap")
TRIMMED = ("var/lib/apt/lists/*", "usr/share/doc/*", "usr/share/man/*", "usr/share/info/*",
           "usr/share/locale/*")  # nothing grading reads; apt-get update brings the lists back
HARNESS_VERSION = 2  # bump to rebuild every cached base and image
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
DOCKER_EXTRA_CAPS = ("MKNOD", "NET_RAW", "AUDIT_WRITE")  # Docker's default set, beyond podman's
PODMAN_SECCOMP = pathlib.Path("/usr/share/containers/seccomp.json")
CAP_SYS_ADMIN_CALLS = {  # Docker allows these only with CAP_SYS_ADMIN (moby profiles/seccomp/default.json)
    "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
    "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
    "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount",
    "umount2", "unshare"}
CAP_SYS_PTRACE_CALLS = {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
                        "process_vm_writev", "ptrace"}
CLONE_NAMESPACE_FLAGS = 2114060288  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET


@dataclass
class Run:
    """What one container run gave: its exit code, output, and time from start to exit."""
    returncode: int | None  # None when the timeout killed it
    stdout: str
    stderr: str
    seconds: float  # from the container's start to its exit (or kill)
    how: str  # "podman" or "bwrap (podman cannot run here: ...)"
    started: float = 0.0  # time.time() at the container's start


@dataclass
class Container:
    """How a platform runs its grader's container (one submission)."""
    image_folder: pathlib.Path  # the committed build folder (Dockerfile at its top)
    mounts: list = field(default_factory=list)  # (host path, container path, read_only)
    env: dict = field(default_factory=dict)
    user: str | None = None  # "uid:gid"; None: the image's (root)
    memory_mib: int = 0
    cpus: float = 0.0
    pids: int | None = None
    timeout: float = 60.0
    entrypoint: list | None = None  # None: the image's
    writable: tuple = ()  # image folders the grader deletes from (made writable in the bwrap run)


def can_podman() -> str | None:
    """None where podman can run a grading container with limits here; else why not."""
    if shutil.which("podman") is None:
        return "podman is not installed (apt-get install podman buildah runc uidmap)"
    if os.geteuid() != 0:
        return ("podman runs rootless for an ordinary user, and rootless podman cannot set a "
                "memory limit on this machine's cgroup v1")
    return None


def base_key() -> str:
    inputs = {"suite": SUITE, "mirror": MIRROR, "variant": "minbase", "packages": BASE_PACKAGES,
              "version": HARNESS_VERSION}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


@contextlib.contextmanager
def _locked(name: str):
    """One builder at a time for ``name`` (concurrent test sessions on one machine)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    os.chmod(CACHE, 0o755)
    with open(CACHE / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def base_rootfs() -> pathlib.Path:
    """Debian's minbase with BASE_PACKAGES, made once (root) and kept under CACHE; the bases
    made from other inputs before are removed, with their images."""
    folder = CACHE / f"base-{base_key()}"
    with _locked(folder.name):
        if (folder / "rootfs" / "usr" / "bin" / "python3").exists():
            return folder / "rootfs"
        shutil.rmtree(folder, ignore_errors=True)
        work = pathlib.Path(tempfile.mkdtemp(prefix=".building-base-", dir=CACHE))
        try:
            _debootstrap(work / "rootfs")
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        os.chmod(work, 0o755)
        work.rename(folder)
        for old in CACHE.glob("base-*"):
            if old != folder and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
                subprocess.run(PODMAN + ["rmi", f"localhost/hsa-base:{old.name[5:]}"], capture_output=True)
    return folder / "rootfs"


def _debootstrap(rootfs: pathlib.Path) -> None:
    done = subprocess.run(["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
                           SUITE, str(rootfs), MIRROR], capture_output=True, text=True)
    if done.returncode != 0:
        raise HarnessError(f"debootstrap failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    subprocess.run(["chroot", str(rootfs), "apt-get", "clean"], check=True)
    for trimmed in TRIMMED:  # as Debian's slim images leave out: ~100 MB
        for path in rootfs.glob(trimmed):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def _podman(*args: str, timeout: float = 1800, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(PODMAN + list(args), capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode != 0:
        raise HarnessError(f"podman {' '.join(args[:2])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _exists(tag: str) -> bool:
    return subprocess.run(PODMAN + ["image", "exists", tag], capture_output=True).returncode == 0


def base_image() -> str:
    """The base as a podman image (``podman import`` of the cached filesystem)."""
    tag = f"localhost/hsa-base:{base_key()}"
    with _locked(f"image-{base_key()}"):
        if not _exists(tag):
            rootfs = base_rootfs()
            tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
            _podman("import", "-", tag, stdin=tar.stdout)
            tar.wait()
    return tag


def image_key(folder: pathlib.Path) -> str:
    """A digest of the build folder's files (names and bytes) and of the base."""
    digest = hashlib.sha256(base_key().encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def family(folder: pathlib.Path) -> str:
    """Which image ``folder`` makes, whatever its version: a digest of its Dockerfile's first
    line (``# The Coursera custom grader of ...``)."""
    first = (folder / "Dockerfile").read_text().splitlines()[0]
    return hashlib.sha256(first.encode()).hexdigest()[:8]


def build(folder: pathlib.Path) -> tuple[str, pathlib.Path]:
    """The image built from ``folder``'s Dockerfile over the base (once per content), and
    its filesystem exported under CACHE for runs without podman; the same image's older
    versions are removed."""
    repository, export = f"localhost/hsa-grader-{family(folder)}", exported(folder).parent
    tag = f"{repository}:{image_key(folder)}"
    with _locked(export.name):
        if not _exists(tag):
            with _host_pip_trust() as volumes:
                _podman("build", "--from", base_image(), "--network", "host", *volumes,
                        "-t", tag, str(folder))
            _prune(repository, tag, export)
        if not (export / "rootfs").is_dir():
            _export(tag, export)
    return tag, export / "rootfs"


def _prune(repository: str, keep: str, exported: pathlib.Path) -> None:
    """Remove the older versions of one image and of its exported filesystem (one in use
    by a running container stays: podman refuses, and the next build tries again)."""
    tags = subprocess.run(PODMAN + ["images", "--format", "{{.Repository}}:{{.Tag}}", repository],
                          capture_output=True, text=True).stdout.split()
    for old in set(tags) - {keep}:
        subprocess.run(PODMAN + ["rmi", old], capture_output=True)
    prefix = exported.name.rsplit("-", 1)[0] + "-"
    for old in CACHE.glob(f"{prefix}*"):
        if old != exported and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _host_pip_trust():
    """Volumes for the build's RUN steps that make pip trust the CA this machine's own pip is
    told to (an intercepting proxy's, say): nothing of it stays in the image."""
    cert = os.environ.get("PIP_CERT")
    if not cert or not pathlib.Path(cert).is_file():
        yield []
        return
    with tempfile.TemporaryDirectory() as folder:
        conf = pathlib.Path(folder) / "pip.conf"
        conf.write_text("[global]\ncert = /etc/ssl/certs/hsa-host-ca.pem\n")
        yield ["-v", f"{cert}:/etc/ssl/certs/hsa-host-ca.pem:ro", "-v", f"{conf}:/etc/pip.conf:ro"]


def _export(tag: str, exported: pathlib.Path) -> None:
    work = pathlib.Path(tempfile.mkdtemp(prefix=".building-image-", dir=CACHE))
    container = _podman("create", tag).stdout.strip()
    try:
        (work / "rootfs").mkdir()
        export = subprocess.Popen(PODMAN + ["export", container], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-C", str(work / "rootfs"), "-x"], stdin=export.stdout, check=True)
        export.wait()
    finally:
        _podman("rm", container)
    entry = _podman("image", "inspect", "--format", "{{json .Config.Entrypoint}}", tag).stdout
    (work / "entrypoint.json").write_text(entry)
    os.chmod(work, 0o755)
    shutil.rmtree(exported, ignore_errors=True)
    work.rename(exported)


def docker_seccomp(path: pathlib.Path) -> pathlib.Path:
    """Docker's default seccomp profile for a container without CAP_SYS_ADMIN or
    CAP_SYS_PTRACE, made from podman's own (which lets every container create user
    namespaces): the namespace and tracing calls go, and clone stays only without
    namespace flags, as in moby's profiles/seccomp/default.json."""
    profile = json.loads(PODMAN_SECCOMP.read_text())
    gated = CAP_SYS_ADMIN_CALLS | CAP_SYS_PTRACE_CALLS
    for rule in profile["syscalls"]:
        if rule["action"] == "SCMP_ACT_ALLOW" and not (rule.get("includes") or {}).get("caps"):
            rule["names"] = [n for n in rule["names"] if n not in gated]
    profile["syscalls"] = [r for r in profile["syscalls"] if r["names"]]
    profile["syscalls"].append({"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": CLONE_NAMESPACE_FLAGS, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]})
    profile["syscalls"].append({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38})
    path.write_text(json.dumps(profile))
    return path


def run(container: Container) -> Run:
    """Run ``container`` as its platform would (podman), or its filesystem under bubblewrap
    where podman cannot run here."""
    problem = can_podman()
    if problem is None:
        return _run_podman(container)
    return _run_bwrap(container, problem)


NPROC_CEILING = 32768
"""Where root lacks CAP_SYS_RESOURCE (as here), runc cannot give a container podman's default
ulimits, nor the host's own process limit (96367 here; 65536 failed, 32768 worked)."""


def _host_ulimits() -> list[str]:
    """Ulimits at or below the host's (podman's defaults exceed them, and runc then fails)."""
    flags = []
    for name, limit, ceiling in (("nofile", resource.RLIMIT_NOFILE, None),
                                 ("nproc", resource.RLIMIT_NPROC, NPROC_CEILING)):
        soft, hard = resource.getrlimit(limit)
        caps = [value for value in (hard, ceiling) if value not in (None, resource.RLIM_INFINITY)]
        if caps:
            top = min(caps)
            flags += ["--ulimit", f"{name}={top if soft == resource.RLIM_INFINITY else min(soft, top)}:{top}"]
    return flags


def _run_podman(container: Container) -> Run:
    tag, _ = build(container.image_folder)
    with tempfile.TemporaryDirectory() as folder:
        flags = ["--network", "none", "--ipc", "private", "--ulimit", "core=0:0", *_host_ulimits(),
                 "--security-opt", f"seccomp={docker_seccomp(pathlib.Path(folder) / 'seccomp.json')}",
                 *[f"--cap-add={cap}" for cap in DOCKER_EXTRA_CAPS]]
        if container.user:
            flags += ["--user", container.user]
        if container.memory_mib:
            flags += ["--memory", f"{container.memory_mib}m", "--memory-swap", f"{container.memory_mib}m"]
        if container.cpus:
            flags += ["--cpu-period", "100000", "--cpu-quota", str(int(container.cpus * 100000))]
        if container.pids:
            flags += ["--pids-limit", str(container.pids)]
        if container.entrypoint:
            flags += ["--entrypoint", json.dumps(container.entrypoint)]
        flags += [f"-v={host}:{inside}:{'ro' if ro else 'rw'}" for host, inside, ro in container.mounts]
        flags += [f"--env={name}={value}" for name, value in container.env.items()]
        name = _podman("create", *flags, tag).stdout.strip()
        try:
            return _start(PODMAN + ["start", "--attach", name], container.timeout, "podman",
                          lambda _: subprocess.run(PODMAN + ["kill", name], capture_output=True))
        finally:
            subprocess.run(PODMAN + ["rm", "-f", name], capture_output=True)


def _start(argv: list, timeout: float, how: str, kill=subprocess.Popen.kill) -> Run:
    """Start the container (``argv``), wait for it within ``timeout``; past it, ``kill`` it
    (given the process that runs it)."""
    started = time.time()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=timeout)
        code = process.returncode
    except subprocess.TimeoutExpired:
        kill(process)
        out, err = process.communicate()
        code = None
    return Run(code, out, err, round(time.time() - started, 3), how, started)


def exported(folder: pathlib.Path) -> pathlib.Path:
    """Where the filesystem of the image ``folder`` makes is exported (by :func:`build`)."""
    return CACHE / f"image-{family(folder)}-{image_key(folder)}" / "rootfs"


def cannot_run(folders: list) -> str | None:
    """None where the images of ``folders`` can be run here (podman, or bubblewrap over their
    exported filesystems); else why not, for a test's skip."""
    problem = can_podman()
    if problem is None:
        return None
    missing = [folder for folder in folders if not exported(folder).is_dir()]
    if missing:
        return (f"{problem}, and no filesystem of the image of {missing[0]} was exported here "
                "by a root run: run the container tests as root first (CI does)")
    from hsa.sandbox.host import bwrap_problem
    return bwrap_problem()


def _image_root(rootfs: pathlib.Path) -> list[str]:
    """The image's top folders, read-only, on bubblewrap's own root (a tmpfs, as writable as a
    container's top layer: the platform's mount points are made there)."""
    argv = []
    for entry in sorted(rootfs.iterdir()):
        if entry.is_symlink():  # bin -> usr/bin, lib -> usr/lib...
            argv += ["--symlink", os.readlink(entry), f"/{entry.name}"]
        elif entry.is_dir() and entry.name not in ("proc", "dev", "tmp"):
            argv += ["--ro-bind", str(entry), f"/{entry.name}"]
    return argv


def _run_bwrap(container: Container, problem: str) -> Run:
    rootfs = exported(container.image_folder)
    if not rootfs.is_dir():
        raise HarnessError(cannot_run([container.image_folder]))
    with tempfile.TemporaryDirectory() as scratch:
        argv = ["bwrap", *_image_root(rootfs), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--unshare-all", "--unshare-user", "--disable-userns", "--as-pid-1",
                "--die-with-parent", "--new-session", "--clearenv", "--chdir", "/", "--setenv", "HOME", "/",
                "--setenv", "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        if container.user:  # the platform's uid, mapped to this user (the only uid there is)
            uid, gid = container.user.split(":")
            argv += ["--uid", uid, "--gid", gid]
        for inside in container.writable:  # the container's writable layer, for these folders
            copy = pathlib.Path(scratch) / inside.strip("/").replace("/", "_")
            shutil.copytree(rootfs / inside.strip("/"), copy)
            argv += ["--bind", str(copy), inside]
        for host, inside, read_only in container.mounts:
            argv += ["--ro-bind" if read_only else "--bind", str(host), inside]
        for name, value in container.env.items():
            argv += ["--setenv", name, str(value)]
        entry = container.entrypoint or json.loads((rootfs.parent / "entrypoint.json").read_text())
        how = f"bwrap (podman cannot run here: {problem})"
        return _start(argv + ["--", *entry], container.timeout, how)
