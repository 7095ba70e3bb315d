"""The ``hsa`` command: ``assign`` for instructors, ``grade`` for graders."""

import argparse
import pathlib
import sys

from . import __version__
from .exceptions import GraderFailure
from .outcomes import Layout
from .project import DEFAULT


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hsa", description=__doc__)
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


def _assign_parser(commands):
    assign = commands.add_parser("assign", help="regenerate the student notebook and the "
                                 "autograder zip from the master notebook")
    assign.add_argument("master", nargs="?", default=str(DEFAULT.master), help="the master "
                        f"notebook (default: solutions/{DEFAULT.master.name})")
    assign.add_argument("--out", default=None, help="folder that receives assignments/ and "
                        "autograder/ (default: the folder above the master's, the project "
                        "folder for solutions/<name>.ipynb)")
    assign.add_argument("--no-run-tests", action="store_true",
                        help="skip running the tests against the master (faster)")
    assign.set_defaults(run=_assign)


def _grade_parser(commands):
    grade = commands.add_parser("grade", help="grade a folder of submissions in the sandbox")
    grade.add_argument("paths", nargs="*", help="notebooks, export zips, folders of them, or "
                       "a class download (folder or zip) from Gradescope, Canvas, Moodle or "
                       "nbgrader (default: the bundled example submissions)")
    grade.add_argument("--layout", choices=[layout.value for layout in Layout], default=None,
                       help="the download's layout (default: detected)")
    grade.add_argument("--canvas-assignment-id", default=None, help="Canvas's id of the "
                       "assignment, for the column of canvas-import.csv (default: matched by title)")
    grade.add_argument("--out", default=None, help="output folder (default: grading-output/)")
    grade.add_argument("--jobs", type=int, default=2, help="submissions graded at once")
    grade.add_argument("--timeout", type=float, default=None,
                       help="wall-time ceiling in seconds for one submission's code")
    grade.add_argument("--seed", type=int, default=None,
                       help="seed for the hidden inputs (default: a fresh one, recorded)")
    grade.add_argument("--force", action="store_true", help="regrade unchanged submissions")
    grade.add_argument("--feedback-notebook", action="store_true", help="also write each "
                       "student's notebook with their feedback written in (never run)")
    grade.add_argument("--autograder", default=None, help="the autograder zip (default: "
                       f"autograder/{DEFAULT.zip.name})")
    grade.add_argument("--allow-unsandboxed", action="store_true",
                       help="run student code without bubblewrap where it is unavailable "
                       "(unsafe: the code can read what you can read)")
    grade.add_argument("--wait", action="store_true", help="when another hsa grade writes "
                       "into the same --out, wait for it to end (default: say so and exit)")
    grade.set_defaults(run=_grade)


def _catalogue_parser(commands: argparse._SubParsersAction) -> None:
    catalogue = commands.add_parser("catalogue", help="grade the catalogues of known mistakes "
                                    "and valid alternatives under tests/ and print the counts")
    catalogue.add_argument("--seed", type=int, default=None, help="grading seed (default: fresh)")
    catalogue.add_argument("--graded-mutants", action="store_true",
                           help="also grade every mutant of the master's solution as a "
                           "submission, with a seed held out from the rest (about a minute)")
    catalogue.set_defaults(run=_catalogue)


def _assign(args):
    from .assign import regenerate
    master = pathlib.Path(args.master)
    out = args.out or master.resolve().parent.parent
    notebook, archive = regenerate(master, out, not args.no_run_tests)
    print(f"wrote {notebook}\nwrote {archive}")
    return 0


def _grade(args):
    from .grade.batch import DEFAULT_OUT, Options, run
    return run(Options(
        paths=tuple(args.paths), out=pathlib.Path(args.out) if args.out else DEFAULT_OUT,
        layout=args.layout, jobs=args.jobs, timeout=args.timeout, seed=args.seed,
        force=args.force, autograder=args.autograder, allow_unsandboxed=args.allow_unsandboxed,
        canvas_assignment_id=args.canvas_assignment_id, wait=args.wait,
        feedback_notebook=args.feedback_notebook))


def _catalogue(args):
    try:
        from hsa_dev.catalogue import main as catalogue_main
    except ImportError:
        print("hsa catalogue: the developer tools (hsa_dev) are not installed; run it from a "
              "clone set up with scripts/setup.sh", file=sys.stderr)
        return 2
    return catalogue_main(args)


if __name__ == "__main__":
    sys.exit(main())
