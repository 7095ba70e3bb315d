"""Run every attack against ``otter run`` and against our grader; print what each scored.

    .venv/bin/python tests/attacks/run_attacks.py [--only NAME ...] [--skip-otter]

Each attack runs alone, in a temporary folder, with a wall-time limit. Besides the
score, the table shows what got out on the host: files written outside (``files``),
connections to a listener on the host (``net``), hidden test code in our feedback
(``leak``), processes left behind (``procs``), keys left in the kernel's keyrings
(``keys``). The last line counts the attacks that scored more than their honest score.
"""

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

import catalogue  # this script's folder is first on sys.path
import probe

ROOT = catalogue.ROOT
OTTER = ROOT / ".venv" / "bin" / "otter"


def run_otter(attack, marker, listener, host, timeout):
    """Score under ``otter run -a <autograder zip>``: a number, "error" or "timeout"."""
    with tempfile.TemporaryDirectory(prefix="hsa-otter-attack-") as folder:
        folder = pathlib.Path(folder)
        notebook = catalogue.build(attack, folder / "hidden_state_activation.ipynb", marker,
                                   listener.port, host)
        (folder / "out").mkdir()
        command = [str(OTTER), "run", "-a", str(catalogue.AUTOGRADER_ZIP), "-o",
                   str(folder / "out"), str(notebook)]
        process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            process.wait(timeout=timeout)
            score = otter_score(folder / "out" / "results.json")
        except subprocess.TimeoutExpired:
            score = "timeout"
        finally:
            _kill_group(process)
        return score


def _kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def otter_score(path):
    try:
        tests = json.loads(path.read_text())["tests"]
    except (OSError, ValueError, KeyError):
        return "error"
    return sum(t.get("score") or 0 for t in tests)


def run_ours(attack, marker, listener, host, autograder, isolation, timeout):
    from hsa.trusted.grader import grade_file
    with tempfile.TemporaryDirectory(prefix="hsa-our-attack-") as folder:
        path = catalogue.build(attack, pathlib.Path(folder) / f"{attack.name}.ipynb", marker,
                               listener.port, host)
        return grade_file(path, attack.name, autograder, 20261125, isolation, timeout)


def reason(result):
    text = result.message or "; ".join(f"cell {c.index}: {c.status} ({c.message})"
                                       for c in result.cells)
    return text.replace("\n", " ")[:110]


def feedback_text(result):
    return json.dumps(result.to_dict())


def escapes(marker, listener, connections_before, text=""):
    """What got out during one run, as short words."""
    found = []
    if probe.escaped_files(marker):
        found.append("files")
    if listener.connections > connections_before:
        found.append("net")
    if text and any(secret in text for secret in catalogue.hidden_secrets()):
        found.append("leak")
    if probe.leftovers(marker):
        found.append("procs")
    if probe.keys_with(marker):
        found.append("keys")
    probe.clean_up(marker)
    return ",".join(found) or "-"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="attack names (default: all)")
    parser.add_argument("--skip-otter", action="store_true")
    parser.add_argument("--otter-timeout", type=float, default=45)
    parser.add_argument("--timeout", type=float, default=20,
                        help="our wall-time budget per submission (seconds)")
    args = parser.parse_args(argv)

    from hsa.sandbox.isolation import choose_isolation
    from hsa.trusted import autograder as autograders
    autograder = autograders.load()
    isolation = choose_isolation(allow_unsandboxed=False)
    attacks = [catalogue.BY_NAME[n] for n in args.only] if args.only else catalogue.ATTACKS
    listener, host = probe.Listener(), probe.host_address()

    rows, raised_otter, raised_ours = [], 0, 0
    for attack in attacks:
        started = time.monotonic()
        marker, before = probe.new_marker(), listener.connections
        otter = "skipped" if args.skip_otter else run_otter(attack, marker, listener, host,
                                                               args.otter_timeout)
        otter_out = "-" if args.skip_otter else escapes(marker, listener, before)
        marker, before = probe.new_marker(), listener.connections
        result = run_ours(attack, marker, listener, host, autograder, isolation, args.timeout)
        ours_out = escapes(marker, listener, before, feedback_text(result))
        raised_otter += isinstance(otter, (int, float)) and otter > attack.honest
        raised_ours += result.score > attack.honest
        rows.append((attack.name, attack.honest, otter, otter_out, result.score, ours_out,
                     result.status, reason(result)))
        print(f"  {attack.name}: {time.monotonic() - started:.1f} s", file=sys.stderr)

    print_table(rows)
    n = len(attacks)
    print(f"\nattacks that raised the score: otter run {raised_otter}/{n}, ours {raised_ours}/{n}")
    return 0 if raised_ours == 0 else 1


def print_table(rows):
    header = ("attack", "honest", "otter run", "escapes", "ours", "escapes", "our status",
              "our reason")
    cells = [header] + [tuple(_fmt(v) for v in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)) + "  " + row[-1])


def _fmt(value):
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
