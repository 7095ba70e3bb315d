"""Unpack a class download safely, and look inside a student's zip without unpacking it.

A download is data from outside: a member may name a path outside the folder
(``../x``, ``/etc/x``, ``C:\\x``), be a symbolic link, or claim to be far larger
than the zip (a zip bomb). Members are written only below the destination, as
plain files, never more bytes than their header declares (``zipfile`` stops
there), and the declared sizes are checked against the bounds before anything
is written. A member that cannot be written safely is skipped and reported, so
one bad entry never costs the other students their grade.
"""

import dataclasses
import pathlib
import shutil
import stat
import zipfile

from ..exceptions import DownloadTooLarge
from ..trusted.submission import ignored

MAX_MEMBERS = 50_000
MAX_MEMBER_BYTES = 1 << 30
"""A notebook with large saved outputs must still be graded (100 MB and more)."""
MAX_TOTAL_BYTES = 4 << 30
SPARE_DISK_BYTES = 256 << 20
_UTF8_FLAG = 0x800


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A member left out of the unpacked folder, and why."""
    member: str
    reason: str


def member_name(info):
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


def unsafe_reason(name, info):
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
    if info.file_size > MAX_MEMBER_BYTES:
        return f"it would unpack to more than {MAX_MEMBER_BYTES >> 30} GB"
    return None


def extract(archive_path, destination):
    """Unpack ``archive_path`` into ``destination`` (created); returns the skipped members.

    Raises DownloadTooLarge when the zip as a whole breaks the bounds, and
    zipfile.BadZipFile when it is no zip at all: both are about the whole input.
    """
    destination = pathlib.Path(destination)
    with zipfile.ZipFile(archive_path) as archive:
        infos = archive.infolist()
        _check_bounds(archive_path, infos, destination)
        destination.mkdir(parents=True, exist_ok=True)
        root = destination.resolve()
        skipped, written = [], set()
        for info in infos:
            name = member_name(info)
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if info.is_dir() or not parts or ignored(parts):
                continue
            reason = unsafe_reason(name, info)
            if reason is None and "/".join(parts).casefold() in written:
                reason = "the zip holds another member with the same name"
            if reason is None:
                reason = _write_member(archive, info, root, parts)
            if reason:
                skipped.append(Skipped(name, reason))
            else:
                written.add("/".join(parts).casefold())
    return skipped


def _check_bounds(archive_path, infos, destination):
    files = [i for i in infos if not i.is_dir()]
    total = sum(i.file_size for i in files)
    advice = (f"unzip {archive_path.name} yourself, check what it holds, and point hsa grade "
              "at the folder")
    if len(files) > MAX_MEMBERS:
        raise DownloadTooLarge(f"{archive_path} holds {len(files)} files, more than "
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


def _write_member(archive, info, root, parts):
    """Copy one member to ``root/parts``; the reason it failed, or None."""
    target = root.joinpath(*parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"its folder cannot be made ({type(error).__name__}: {str(error)[:120]})"
    if not target.parent.resolve().is_relative_to(root):
        return "its folder leads out of the download"
    try:
        with archive.open(info) as source, open(target, "xb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
    except FileExistsError:
        return "the zip holds another member with the same name"
    except (OSError, zipfile.BadZipFile, EOFError, RuntimeError) as error:
        target.unlink(missing_ok=True)
        return f"it could not be unpacked ({type(error).__name__}: {str(error)[:120]})"
    return None


def member_names(archive_path):
    """The names of the files in a zip (no directories, no litter); None if it is no zip."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            names = [member_name(i) for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    return [n for n in names if not ignored([p for p in n.split("/") if p])]
