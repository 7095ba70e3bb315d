"""An upload file: where it goes on the platform, whom it carries, whom it leaves out."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Upload:
    """One file (or folder) to hand back, and where."""

    path: pathlib.Path
    where: str  # where it goes, in the platform's words
    carried: int  # students whose feedback or grade it carries
    left_out: tuple[str, ...] = field(default_factory=tuple)  # "name (why)" of students it leaves out

    def line(self, listed: int = 4) -> str:
        """The summary's line: the file, where to upload it, whom it carries, and the first
        ``listed`` of those it leaves out (report.html lists them all)."""
        text = f"{self.path} -> {self.where} ({self.carried} student(s)"
        if self.left_out:
            more = len(self.left_out) - listed
            names = "; ".join(self.left_out[:listed]) + (f"; {more} more" if more > 0 else "")
            text += f"; {len(self.left_out)} left out: {names}"
        return text + ")"
