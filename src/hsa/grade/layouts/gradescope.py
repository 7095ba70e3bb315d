"""Gradescope's "Export Submissions": ``submission_metadata.yml`` beside ``submission_<id>/``
folders; the metadata names each folder's submitters, several for a group."""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Mapping

from ...exceptions import LayoutError, MetadataError
from ...outcomes import Layout
from ...trusted.choice import Expected
from ...trusted.result import Identity
from ...trusted.submission import files_under
from .metadata import parse_time, read_gradescope_metadata, text
from .records import File, Gathered, Submission, entries_of, nobody, record

METADATA = "submission_metadata.yml"


def _submitters(entry: Mapping[object, object]) -> list[Identity]:
    found = []
    submitters = entry.get("submitters")
    for s in submitters if isinstance(submitters, list) else []:
        if isinstance(s, dict):
            who = Identity(text(s.get("sid")), text(s.get("name")), text(s.get("email")))
            if who != Identity():
                found.append(who)
    return found


def read(root: pathlib.Path, rel: Callable[[pathlib.Path], str],
         assignment: Expected) -> list[Submission]:
    if not (root / METADATA).is_file():
        raise LayoutError(f"--layout gradescope: there is no {METADATA} in {root}; use "
                          "Gradescope's Export Submissions and point hsa grade at its zip")
    folders = {e.name: e for e in entries_of(root) if e.is_dir()}
    strays = [nobody(Layout.GRADESCOPE, rel(e), f"not a submission folder of the export: "
                      f"{METADATA} knows nothing of it") for e in entries_of(root)
              if e.is_file() and e.name != METADATA]
    try:
        metadata = read_gradescope_metadata(root / METADATA)
    except MetadataError as error:
        why = f"{METADATA} could not be read ({error}); download the export again"
        return [nobody(Layout.GRADESCOPE, rel(f), why) for f in folders.values()] + strays
    students: dict[str, Gathered] = {}
    records: list[Submission] = []
    for key in sorted(metadata):
        entry, folder = metadata[key], folders.get(key)
        if not isinstance(entry, dict):
            records.append(nobody(Layout.GRADESCOPE, rel(root / key),
                                   f"{METADATA} has no submitters for {key}"))
            continue
        who_all = _submitters(entry)
        if not who_all:
            records.append(nobody(Layout.GRADESCOPE, rel(root / key), f"{METADATA} names no "
                                   f"submitter for {key}: nobody to credit"))
            continue
        when = parse_time(entry.get("created_at"))
        files: list[File] = [] if folder is None else [
            File(p, rel(p), submitted=when)
            for p in files_under(folder)]
        for who in who_all:
            slot = students.setdefault(who.student_id or who.email or who.student_name,
                                       Gathered(who, rel(root / key)))
            slot.files += files
            if folder is None:
                slot.missing.append(f"{METADATA} names {key}, but the download has no folder "
                                       f"{key}: download the export again")
    for slot in students.values():
        records.append(record(Layout.GRADESCOPE, slot.who, slot.files, assignment, slot.path,
                              "; ".join(slot.missing) or None))
    records += [nobody(Layout.GRADESCOPE, rel(f), f"{key} is not in {METADATA}: no student to "
                        "credit") for key, f in folders.items() if key not in metadata]
    return records + strays
