"""The trusted side loads Otter's test files without the rest of Otter (hsa.trusted.otter_tests).

Each case runs in a fresh interpreter, since which ``otter`` a process holds is the point.
"""

import subprocess
import sys

from hsa.project import DEFAULT

ZIP = DEFAULT.zip


def run(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_loading_the_autograder_leaves_otters_dependencies_out():
    out = run(f"""
import sys
from hsa.trusted import autograder
grader = autograder.load({str(ZIP)!r})
print(len(grader.tests), all(t.test_cases for t in grader.tests))
print(sorted(name for name in ("pandas", "nbconvert", "jupytext", "IPython", "otter.api")
             if name in sys.modules))
""")
    assert out.split("\n")[:2] == ["6 True", "[]"]


def test_the_light_otter_names_what_to_do_when_more_of_otter_is_wanted():
    out = run("""
from hsa.trusted.otter_tests import test_files
print(test_files().test_case.__module__)
import otter
try:
    otter.Notebook
except AttributeError as error:
    print(error)
""")
    module, error = out.splitlines()
    assert module == "otter.test_files.exception_test"
    assert "import otter before" in error


def test_where_otter_is_imported_first_its_own_test_files_are_used():
    out = run(f"""
import otter, otter.test_files
from hsa.trusted import autograder
grader = autograder.load({str(ZIP)!r})
print(type(grader.tests[0]) is otter.test_files.ExceptionTestFile, hasattr(otter, "Notebook"))
""")
    assert out.split() == ["True", "True"]
