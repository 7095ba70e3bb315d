"""One submission graded in Coursera's or PrairieLearn's container, as that platform runs it.

Coursera (coursera_autograder's ``grade local`` and the custom-grader READMEs): the
learner's file in ``/shared/submission/`` (read-only, renamed to the part's suggested
file name), ``/shared`` writable, ``partId``, ``filename`` and ``userId`` in the
environment, a user that is not root, no network, 1 vCPU and 4096 MiB with no swap
beyond it, 1200 s. PrairieLearn (the grader host's ``index.ts`` and ``config.ts``): the
job folder at ``/grade`` (``student/``, ``serverFilesCourse/``, ``data/data.json``), the
image's user (root), no network, 2 GiB with no swap, 0.9 CPU, 1024 processes, core dumps
off, the question's entrypoint and timeout. docs/platforms.md cites each.
"""

import base64
import json
import os
import pathlib
import shutil
from dataclasses import dataclass

from hsa.platforms.limits import coursera, prairielearn
from hsa.trusted.autograder import read_config
from hsa.project import ROOT

from .containers import Container, Run, run

COURSERA_FOLDER = ROOT / "autograder" / "coursera"
PRAIRIELEARN_FOLDER = ROOT / "autograder" / "prairielearn"
COURSERA_USER = (1000, 1000)  # not root, and no user of the image: Coursera does not say which
COURSERA_SUGGESTED_NAME = "hidden_state_activation.ipynb"  # the part's suggested file name


@dataclass
class Graded:
    """A container run and what it wrote (None where it wrote nothing)."""
    run: Run
    output: dict | None  # feedback.json (Coursera) or results.json (PrairieLearn)
    html: str | None  # htmlFeedback.html (Coursera)
    written_after: float | None  # seconds from the container's start to the output written


def _written(path: pathlib.Path, started: float) -> float | None:
    return round(path.stat().st_mtime - started, 3) if path.exists() else None


def on_coursera(notebook: pathlib.Path, work: pathlib.Path, env: dict | None = None,
                folder: pathlib.Path = COURSERA_FOLDER) -> Graded:
    """Grade ``notebook`` in the Coursera image built from ``folder``, within the limits its
    autograder's settings ask of Coursera."""
    limits = coursera(read_config(next(folder.glob("*-autograder.zip"))).settings)
    shared = work / "shared"
    (shared / "submission").mkdir(parents=True)
    shutil.copy(notebook, shared / "submission" / COURSERA_SUGGESTED_NAME)
    if os.geteuid() == 0:  # /shared is the grader's to write: its uid's
        for path in (shared, shared / "submission", shared / "submission" / COURSERA_SUGGESTED_NAME):
            os.chown(path, *COURSERA_USER)
    variables = {"partId": "hsa01", "filename": pathlib.Path(notebook).name, "userId": "learner-42",
                 **(env or {})}
    container = Container(folder, mounts=[(shared, "/shared", False),
                                          (shared / "submission", "/shared/submission", True)],
                          env=variables, user=":".join(map(str, COURSERA_USER)),
                          memory_mib=limits.memory_mib, cpus=limits.cpus,
                          timeout=limits.timeout_seconds, writable=("/grader/secret",))
    done = run(container)
    feedback, html = shared / "feedback.json", shared / "htmlFeedback.html"
    return Graded(done, json.loads(feedback.read_text()) if feedback.exists() else None,
                  html.read_text() if html.exists() else None, _written(feedback, done.started))


def on_prairielearn(notebook: pathlib.Path, work: pathlib.Path, env: dict | None = None,
                    folder: pathlib.Path = PRAIRIELEARN_FOLDER) -> Graded:
    """Grade ``notebook`` as the question in ``folder`` (its image, info.json, serverFilesCourse)."""
    question = next((folder / "questions").iterdir())
    options = json.loads((question / "info.json").read_text())["externalGradingOptions"]
    limits = prairielearn(options["timeout"])
    grade = work / "grade"
    (grade / "student").mkdir(parents=True)
    (grade / "data").mkdir()
    shutil.copy(notebook, grade / "student" / pathlib.Path(notebook).name)
    for shared in options["serverFilesCourse"]:
        shutil.copytree(folder / "serverFilesCourse" / shared, grade / "serverFilesCourse" / shared)
    (grade / "data" / "data.json").write_text(json.dumps(_data(notebook)))
    container = Container(folder / "image", mounts=[(grade, "/grade", False)], env=env or {},
                          memory_mib=limits.memory_mib, cpus=limits.cpus,
                          pids=limits.pids, timeout=options["timeout"],
                          entrypoint=options["entrypoint"].split())
    done = run(container)
    results = grade / "results" / "results.json"
    return Graded(done, json.loads(results.read_text()) if results.exists() else None, None,
                  _written(results, done.started))


def _data(notebook: pathlib.Path) -> dict:
    """The question's data as PrairieLearn serialises it for the grader: the uploaded file
    among the submitted answers (pl-file-upload's ``_files``)."""
    contents = base64.b64encode(pathlib.Path(notebook).read_bytes()).decode()
    return {"params": {}, "correct_answers": {}, "submitted_answers": {
        "_files": [{"name": pathlib.Path(notebook).name, "contents": contents}]},
        "format_errors": {}, "partial_scores": {}, "score": 0, "feedback": {}, "variant_seed": 1,
        "options": {}, "raw_submitted_answers": {}, "gradable": True}
