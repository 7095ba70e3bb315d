"""The ``hsa`` command: ``assign`` for instructors, ``grade`` for graders."""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Sequence

from . import __version__
from .exceptions import AssignError, GraderFailure
from .outcomes import Layout
from .grade.options import DEFAULT_OUT, Options
from .project import DEFAULT, IN_CLONE

DESCRIPTION = ("hsa: an auto-graded Jupyter assignment and a grader that submissions cannot "
               "fool. assign: build the student notebook and the autograder from a master; "
               "grade: grade submissions in a sandbox; catalogue: prove the hidden tests.")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hsa", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"hsa {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (_assign_parser, _grade_parser, _catalogue_parser):
        add(commands)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except GraderFailure as error:
        print(f"hsa {args.command}: {error}", file=sys.stderr)
        return 2


def _assign_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    assign = commands.add_parser("assign", help="regenerate the student notebook and the "
                                 "autograder zip from the master notebook")
    assign.add_argument("master", nargs="?", default=None, help="the master notebook (Otter "
                        "Assign format), with hsa.yml beside it if its settings are not the "
                        f"defaults (default, in a clone of the project: solutions/{DEFAULT.master.name})")
    assign.add_argument("--out", default=None, help="folder that receives assignments/ and "
                        "autograder/ (default: the folder above the master's, the project "
                        "folder for solutions/<name>.ipynb)")
    assign.add_argument("--no-run-tests", action="store_true",
                        help="skip running the tests against the master (faster)")
    assign.set_defaults(run=_assign)


def _grade_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    grade = commands.add_parser("grade", help="grade a folder of submissions in the sandbox")
    grade.add_argument("paths", nargs="*", help="notebooks, export zips, folders of them, or "
                       "a class download (folder or zip) from Gradescope, Canvas, Moodle or "
                       "nbgrader (default, in a clone of the project: the bundled examples)")
    grade.add_argument("--layout", choices=[layout.value for layout in Layout], default=None,
                       help="the download's layout (default: detected)")
    grade.add_argument("--roster", default=None, metavar="FILE", help="the platform's own "
                       "export to fill in with the grades: Canvas's gradebook export (Grades, "
                       "Export) or Moodle's grading worksheet (Download grading worksheet); only "
                       "the cells of the students graded change (default: hsa writes its own files, "
                       "which carry no one else)")
    grade.add_argument("--canvas-assignment-id", default=None, help="Canvas's id of the "
                       "assignment: its column in --roster, or in canvas-import.csv (default: "
                       "matched by title)")
    grade.add_argument("--out", default=None, help="output folder (default: grading-output/)")
    grade.add_argument("--jobs", type=int, default=Options.jobs,
                       help=f"submissions graded at once (default: {Options.jobs})")
    grade.add_argument("--timeout", type=float, default=None, help="seconds all of one "
                       "submission's code may run: CPU time where a cgroup counts it, with 3x "
                       "wall time at most, else wall time (default: the assignment's "
                       "submission_budget_seconds, 60 unless its hsa.yml says otherwise)")
    grade.add_argument("--seed", type=int, default=None,
                       help="seed for the hidden inputs (default: a fresh one, recorded)")
    grade.add_argument("--force", action="store_true", help="regrade unchanged submissions")
    grade.add_argument("--feedback-notebook", action="store_true", help="also write each "
                       "student's notebook with their feedback written in (never run)")
    grade.add_argument("--autograder", default=None, help="the autograder zip (default: the "
                       "one in ./autograder/, as hsa assign writes it)")
    grade.add_argument("--allow-unsandboxed", action="store_true",
                       help="run student code without bubblewrap where it is unavailable "
                       "(unsafe: the code can read what you can read)")
    grade.add_argument("--allow-weaker-sandbox", action="store_true",
                       help="grade where student code cannot get its system-call filter "
                       "(no libseccomp2, or a kernel without seccomp): its grades record "
                       "syscall_filter: none")
    grade.add_argument("--wait", action="store_true", help="when another hsa grade writes "
                       "into the same --out, wait for it to end (default: say so and exit)")
    grade.set_defaults(run=_grade)


def _catalogue_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    catalogue = commands.add_parser("catalogue", help="grade the catalogues of known mistakes "
                                    "and valid alternatives under tests/ and print the counts")
    catalogue.add_argument("--seed", type=int, default=None, help="grading seed (default: fresh)")
    catalogue.add_argument("--graded-mutants", action="store_true",
                           help="also grade every mutant of the master's solution as a "
                           "submission, with a seed held out from the rest (about a minute)")
    catalogue.set_defaults(run=_catalogue)


def _assign(args: argparse.Namespace) -> int:
    from .assign import PLATFORM_FOLDERS, regenerate
    if args.master is None and not IN_CLONE:
        raise AssignError("name the master notebook: hsa assign PATH/TO/MASTER.ipynb")
    master = pathlib.Path(args.master or DEFAULT.master)
    out = args.out or master.resolve().parent.parent
    notebook, archive = regenerate(master, out, not args.no_run_tests)
    print(f"wrote {notebook}\nwrote {archive}")
    for folder in PLATFORM_FOLDERS:
        print(f"wrote {archive.parent / folder}/")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .grade.batch import run
    return run(Options(
        paths=tuple(args.paths), out=pathlib.Path(args.out) if args.out else DEFAULT_OUT,
        layout=args.layout, jobs=args.jobs, timeout=args.timeout, seed=args.seed,
        force=args.force, autograder=args.autograder, allow_unsandboxed=args.allow_unsandboxed,
        allow_weaker_sandbox=args.allow_weaker_sandbox,
        canvas_assignment_id=args.canvas_assignment_id, roster=args.roster, wait=args.wait,
        feedback_notebook=args.feedback_notebook))


def _catalogue(args: argparse.Namespace) -> int:
    try:
        from hsa_dev.catalogue import main as catalogue_main
    except ImportError:
        print("hsa catalogue: the developer tools (hsa_dev) are not installed; run it from a "
              "clone set up with scripts/setup.sh", file=sys.stderr)
        return 2
    return catalogue_main(args)


if __name__ == "__main__":
    sys.exit(main())
