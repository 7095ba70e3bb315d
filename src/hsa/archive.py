"""Reproducible archives: the autograder zip, and the wheel of this package inside it.

The same master gives the same bytes: entries sorted, fixed dates and modes, no
``__pycache__``. The wheel is written here rather than built, from the package ``hsa`` runs
from, so ``hsa assign`` works the same from a clone and after ``pip install`` (no source
tree, no build back end, no network): a wheel is a zip with a ``.dist-info`` folder (PEP 427;
its RECORD as PEP 376 says).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import pathlib
import zipfile

DISTRIBUTION = "hidden-state-activation"
PACKAGE = pathlib.Path(__file__).resolve().parent
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
EXECUTABLES = {"run_autograder", "setup.sh"}
"""Scripts a platform runs: executable in every archive written here."""


def write_reproducible_zip(target: pathlib.Path, entries: dict[str, bytes],
                           compression: int = zipfile.ZIP_STORED) -> None:
    """``entries`` (name -> bytes) as a zip at ``target``: sorted, fixed dates and modes."""
    pathlib.Path(target).write_bytes(reproducible_zip(entries, compression))


def reproducible_zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            mode = 0o755 if pathlib.PurePath(name).name in EXECUTABLES else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.create_system = 3
            info.compress_type = compression
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def wheel() -> tuple[str, bytes]:
    """(the file name, the bytes) of a wheel of the running ``hsa`` package."""
    meta = importlib.metadata.metadata(DISTRIBUTION)
    stem = f"{DISTRIBUTION.replace('-', '_')}-{meta['Version']}"
    entries = _package_files(PACKAGE) | _dist_info(f"{stem}.dist-info", meta)
    record = f"{stem}.dist-info/RECORD"
    entries[record] = ("".join(f"{name},sha256={_digest(data)},{len(data)}\n"
                               for name, data in sorted(entries.items())) + f"{record},,\n").encode()
    return f"{stem}-py3-none-any.whl", reproducible_zip(entries, zipfile.ZIP_DEFLATED)


def _package_files(package: pathlib.Path) -> dict[str, bytes]:
    """Every file of the package but compiled ones, by its name in the wheel."""
    return {f"{package.name}/{path.relative_to(package).as_posix()}": path.read_bytes()
            for path in package.rglob("*") if path.is_file() and path.suffix != ".pyc"
            and "__pycache__" not in path.relative_to(package).parts}


def _dist_info(folder: str, meta: importlib.metadata.PackageMetadata) -> dict[str, bytes]:
    """METADATA, WHEEL and entry_points.txt, from the installed distribution's metadata."""
    lines = ["Metadata-Version: 2.1", f"Name: {meta['Name']}", f"Version: {meta['Version']}",
             f"Summary: {meta['Summary']}", f"Requires-Python: {meta['Requires-Python']}"]
    lines += [f"Requires-Dist: {r}" for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r]
    scripts = sorted(f"{e.name} = {e.value}" for e in importlib.metadata.distribution(
        DISTRIBUTION).entry_points if e.group == "console_scripts")
    return {f"{folder}/METADATA": ("\n".join(lines) + "\n").encode(),
            f"{folder}/WHEEL": b"Wheel-Version: 1.0\nGenerator: hsa\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
            f"{folder}/entry_points.txt": ("[console_scripts]\n" + "".join(s + "\n" for s in scripts)).encode()}


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
