"""What ``hsa assign`` writes for Coursera and PrairieLearn, beside the Gradescope zip.

``autograder/coursera/``: the custom grader's build folder (zip it with the Dockerfile at
its top and upload it): the Dockerfile, the entry point, the pinned requirements, our wheel
and the autograder zip (the hidden tests, built into the image, which Coursera keeps
private). ``autograder/prairielearn/``: the grader image's build folder (``image/``: no
test in it, since PrairieLearn pulls public images), the question (``questions/<name>/``:
info.json with its externalGradingOptions, question.html with a file upload, the student's
files to download) and ``serverFilesCourse/<name>/`` with the autograder zip, copied into
each grading job. Every file is a pure function of its inputs: the same master gives the
same bytes.
"""

import json
import pathlib
import uuid

from .. import __version__
from ..project import title_of
from ..settings import Settings

FILES = pathlib.Path(__file__).resolve().parent
ENTRY = "grade"  # each image's entry point script (files/grade of its platform)
PRAIRIELEARN_IMAGE = "hidden-state-activation-grader:" + __version__
"""The grader image a question names: push autograder/prairielearn/image/ built under
this name (or your Docker Hub name for it, in info.json) before the question is used."""
UUID_NAMESPACE = uuid.UUID("6f1c5d2e-4b7a-4f0e-9a53-2d8e1c7b9a10")  # question uuids: uuid5 of the name

BASE = "debian:bookworm-slim"
"""The images' base: Debian 12, as the tests' own base (debootstrap) is."""

DOCKERFILE_HEAD = """\
# {purpose}
# Made by `hsa assign` from the master notebook: regenerate it, do not edit it.
FROM {base}
# Python 3 with venv, and bubblewrap (the sandbox, where the container allows namespaces).
RUN if ! command -v bwrap >/dev/null || ! python3 -c 'import ensurepip' 2>/dev/null; then \\
        apt-get update && apt-get install -y --no-install-recommends python3 python3-venv bubblewrap \\
        && rm -rf /var/lib/apt/lists/*; fi
# What grading needs, pinned (numpy, nbformat, Otter's test-file classes: wheels from PyPI), and hsa.
COPY requirements.txt {wheel} /grader/install/
RUN python3 -m venv /grader/venv \\
    && /grader/venv/bin/pip install --no-cache-dir --disable-pip-version-check --only-binary :all: \\
       --no-deps -r /grader/install/requirements.txt /grader/install/{wheel} \\
    && /grader/venv/bin/python -m pip uninstall --yes --quiet pip setuptools \\
    && rm -rf /grader/install
COPY {entry} /grader/{entry}
"""

COURSERA_TAIL = """\
# The autograder (the hidden tests): the grader loads it, then deletes it before any student
# code runs, so its folder is one that Coursera's user, whatever its uid, may empty.
COPY {autograder} /grader/secret/
RUN chmod 0755 /grader /grader/{entry} && chmod 0777 /grader/secret && chmod 0444 /grader/secret/{autograder}
ENTRYPOINT ["/grader/{entry}"]
"""

PRAIRIELEARN_TAIL = """\
RUN chmod 0755 /grader /grader/{entry}
ENTRYPOINT ["/grader/{entry}", "{timeout}"]
"""


def platform_files(name: str, wheel: tuple[str, bytes], requirements: str, autograder: bytes,
                   student: dict[str, bytes], settings: Settings) -> dict[str, bytes]:
    """Relative path under ``autograder/`` -> bytes, for both platforms. ``wheel``: its file
    name and bytes; ``student``: the files a student downloads (the notebook, public_checks.py);
    ``settings``: the assignment's (PrairieLearn's timeout)."""
    timeout = settings.prairielearn.timeout_seconds
    zip_name = f"{name}-autograder.zip"
    common = {"requirements.txt": requirements.encode(), wheel[0]: wheel[1]}
    coursera = {**common, ENTRY: _entry("coursera"), zip_name: autograder, "Dockerfile": (
        _head(f"The Coursera custom grader of {title_of(name)}.", wheel[0])
        + COURSERA_TAIL.format(autograder=zip_name, entry=ENTRY)).encode()}
    image = {**common, ENTRY: _entry("prairielearn"), "Dockerfile": (
        _head(f"The PrairieLearn external grader of {title_of(name)} (no test in it: "
              "serverFilesCourse brings them).", wheel[0])
        + PRAIRIELEARN_TAIL.format(entry=ENTRY, timeout=timeout)).encode()}
    question = {"info.json": info_json(name, timeout), "question.html": question_html(name, student)}
    question.update({f"clientFilesQuestion/{file}": data for file, data in student.items()})
    files = {f"coursera/{path}": data for path, data in coursera.items()}
    files.update({f"prairielearn/image/{path}": data for path, data in image.items()})
    files.update({f"prairielearn/questions/{name}/{path}": data for path, data in question.items()})
    files[f"prairielearn/serverFilesCourse/{name}/{zip_name}"] = autograder
    return files


def _head(purpose: str, wheel: str) -> str:
    return DOCKERFILE_HEAD.format(purpose=purpose, base=BASE, wheel=wheel, entry=ENTRY)


def _entry(platform: str) -> bytes:
    return (FILES / platform / "files" / ENTRY).read_bytes()


def info_json(name: str, timeout: int) -> bytes:
    """The question's info.json: graded externally by our image, with the autograder from
    serverFilesCourse, the settings' ``timeout`` (passed to the entry point too), no
    network."""
    info = {
        "uuid": str(uuid.uuid5(UUID_NAMESPACE, name)),
        "title": title_of(name),
        "topic": title_of(name),
        "tags": ["hsa"],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": PRAIRIELEARN_IMAGE,
            "entrypoint": f"/grader/{ENTRY} {timeout}",
            "serverFilesCourse": [f"{name}/"],
            "timeout": timeout,
            "enableNetworking": False,
        },
    }
    return (json.dumps(info, indent=2) + "\n").encode()


def question_html(name: str, student: dict[str, bytes]) -> bytes:
    """The question's page: the files to download, what to do, and the upload."""
    links = ", ".join(f'<a href="{{{{options.client_files_question_url}}}}/{file}" download>'
                      f"<code>{file}</code></a>" for file in sorted(student))
    return f"""<pl-question-panel>
  <p>Download {links} and keep them in one folder. Fill in each function of
  <code>{name}.ipynb</code> between <code>### START CODE HERE ###</code> and
  <code>### END CODE HERE ###</code>, replacing each <code>None</code>, and run its
  <code>grader.check(...)</code> cell. Then save the notebook and upload it here (or the zip
  <code>grader.export()</code> makes). Hidden tests on other sizes and values decide your score;
  the feedback says what to fix.</p>
  <pl-file-upload optional-file-patterns="*.ipynb, *.zip"></pl-file-upload>
</pl-question-panel>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
""".encode()
