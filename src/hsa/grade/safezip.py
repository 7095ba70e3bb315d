"""Unpack a class download safely, and look inside a student's zip without unpacking it.

A download is data from outside: a member may name a path outside the folder
(``../x``, ``/etc/x``, ``C:\\x``), be a symbolic link, or claim to be far larger
than the zip (a zip bomb). Members are written only below the destination, as
plain files, never more bytes than their header declares (``zipfile`` stops
there), and the declared sizes are checked against the bounds before anything
is written. Only what can be graded (notebooks, export zips) and the files the
layout reads are unpacked; anything else is an empty file of the same name, for
the record of what the student handed in. A member that cannot be written safely
is set aside and reported; one larger than a notebook may be (the bound for a
single notebook) is an empty file too, reported as too large: so one bad entry
never costs the other students their grade.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import shutil
import stat
import zipfile
from typing import Container, Iterable, cast

from ..exceptions import DownloadTooLarge
from ..trusted.submission import MAX_NOTEBOOK_BYTES, ignored

MAX_MEMBERS = 50_000
MAX_MEMBER_BYTES = MAX_NOTEBOOK_BYTES
"""The bound for one notebook graded alone, for each member: a notebook with large saved
outputs must still be graded (100 MB and more)."""
MAX_TOTAL_BYTES = 4 << 30
SPARE_DISK_BYTES = 16 << 20
GRADED_SUFFIXES = (".ipynb", ".zip")
_UTF8_FLAG = 0x800


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A member left out of the unpacked folder, and why."""
    member: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Unpacked:
    """What :func:`extract` did not unpack: members set aside (unsafe), and the members too
    large to unpack (empty files in the folder), by path below it -> why."""
    skipped: list[Skipped]
    too_large: dict[str, str]


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author meant it.

    Zips written without the UTF-8 flag are decoded as cp437 by ``zipfile``;
    most tools that omit the flag still write UTF-8, so "Zoë" would come out
    as "ZoÙ" and no longer match the roster. Re-decode where that is possible.
    """
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def unsafe_reason(name: str, info: zipfile.ZipInfo) -> str | None:
    """Why the member cannot be unpacked below the destination, or None."""
    parts = name.split("/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "its path is absolute"
    if any(p == ".." for p in parts):
        return "its path climbs out of the download (..)"
    if "\0" in name:
        return "its name holds a NUL character"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "it is a symbolic link"
    return None


def too_large(name: str, info: zipfile.ZipInfo) -> str | None:
    """Why the member is too large to unpack, or None."""
    if info.file_size > MAX_MEMBER_BYTES:
        return (f"{name.rsplit('/', 1)[-1]} would unpack to {info.file_size >> 20} MB, more "
                f"than the {MAX_MEMBER_BYTES >> 20} MB a notebook may be; clear its outputs "
                "(Edit > Clear All Outputs), save and submit again")
    return None


def extract(archive_path: pathlib.Path, destination: str | os.PathLike[str],
            keep: Container[str] = ()) -> Unpacked:
    """Unpack ``archive_path`` into ``destination`` (created): notebooks, export zips and the
    files named in ``keep`` (the layout's metadata) with their content, the rest as empty
    files. Returns what was not unpacked (:class:`Unpacked`).

    Raises DownloadTooLarge when what is to be unpacked breaks the bounds as a whole, and
    zipfile.BadZipFile when it is no zip at all: both are about the whole input.
    """
    destination = pathlib.Path(destination)
    with zipfile.ZipFile(archive_path) as archive:
        plan = _plan(archive.infolist(), keep)
        _check_bounds(archive_path, plan, destination)
        destination.mkdir(parents=True, exist_ok=True)
        root = destination.resolve()
        unpacked = Unpacked([], {})
        written: set[str] = set()
        for info, name, content in plan:
            parts = [p for p in name.split("/") if p not in ("", ".")]
            reason = unsafe_reason(name, info)
            if reason is None and "/".join(parts).casefold() in written:
                reason = "the zip holds another member with the same name"
            if reason is None:
                reason = _write_member(archive, info, root, parts, content)
            if reason:
                unpacked.skipped.append(Skipped(name, reason))
                continue
            written.add("/".join(parts).casefold())
            if too_large(name, info):
                unpacked.too_large["/".join(parts)] = cast(str, too_large(name, info))  # not None: above
    return unpacked


def _plan(infos: Iterable[zipfile.ZipInfo], keep: Container[str]) -> list[tuple[zipfile.ZipInfo, str, bool]]:
    """(info, name, whether to write its content) for each member worth a file."""
    plan: list[tuple[zipfile.ZipInfo, str, bool]] = []
    for info in infos:
        name = member_name(info)
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if info.is_dir() or not parts or ignored(parts):
            continue
        wanted = parts[-1].lower().endswith(GRADED_SUFFIXES) or parts[-1] in keep
        content = wanted and not too_large(name, info) and not unsafe_reason(name, info)
        plan.append((info, name, content))
    return plan


def _check_bounds(archive_path: pathlib.Path, plan: list[tuple[zipfile.ZipInfo, str, bool]],
                  destination: pathlib.Path) -> None:
    """Every file the plan makes counts; only the content it unpacks counts for the size."""
    total = sum(info.file_size for info, _, content in plan if content)
    advice = (f"unzip {archive_path.name} yourself, check what it holds, and point hsa grade "
              "at the folder")
    if len(plan) > MAX_MEMBERS:
        raise DownloadTooLarge(f"{archive_path} holds {len(plan)} files, more than "
                               f"{MAX_MEMBERS}; {advice}")
    if total > MAX_TOTAL_BYTES:
        raise DownloadTooLarge(f"{archive_path} would unpack to {total >> 20} MB, more than "
                               f"{MAX_TOTAL_BYTES >> 20} MB; {advice}")
    anchor = next(p for p in (destination, *destination.parents) if p.exists())
    free = shutil.disk_usage(anchor).free
    if total + SPARE_DISK_BYTES > free:
        raise DownloadTooLarge(f"{archive_path} would unpack to {total >> 20} MB but only "
                               f"{free >> 20} MB are free under {anchor}; free some space "
                               "or set TMPDIR to a larger disk")


def _write_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, root: pathlib.Path, parts: list[str],
                  content: bool = True) -> str | None:
    """Copy one member to ``root/parts`` (an empty file without ``content``); the reason it
    failed, or None."""
    target = root.joinpath(*parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"its folder cannot be made ({type(error).__name__}: {str(error)[:120]})"
    if not target.parent.resolve().is_relative_to(root):
        return "its folder leads out of the download"
    try:
        with open(target, "xb") as sink:
            if content:
                with archive.open(info) as source:
                    shutil.copyfileobj(source, sink, 1 << 20)
    except FileExistsError:
        return "the zip holds another member with the same name"
    except (OSError, zipfile.BadZipFile, EOFError, RuntimeError) as error:
        target.unlink(missing_ok=True)
        return f"it could not be unpacked ({type(error).__name__}: {str(error)[:120]})"
    return None


def member_names(archive_path: str | os.PathLike[str]) -> list[str] | None:
    """The names of the files in a zip (no directories, no litter); None if it is no zip."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            names = [member_name(i) for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    return [n for n in names if not ignored([p for p in n.split("/") if p])]
