"""One graded submission as every writer receives it: the result and what is derived from it.

Tracing a result's causes is the costly part of writing it, and the feedback's blocks are
rendered several times (feedback.md, feedback.html, results.json, the feedback notebook): a
:class:`Graded` is made once per row, and each writer takes it, so nothing is derived twice
and no writer can be handed a derived fact that belongs to another result.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..trusted.causes import Traced, trace
from ..trusted.result import Result
from .document import Block
from .feedback_blocks import feedback_blocks


@dataclass(frozen=True)
class Graded:
    result: Result
    traced: Traced

    @classmethod
    def of(cls, result: Result) -> Graded:
        """``result`` with its causes traced (once)."""
        return cls(result, trace(result))

    @functools.cached_property
    def blocks(self) -> tuple[Block, ...]:
        """The whole feedback, as blocks (:mod:`.document`), built on first use."""
        return tuple(feedback_blocks(self.result, self.traced, public_only=False))

    @functools.cached_property
    def public_blocks(self) -> tuple[Block, ...]:
        """What a student may read before grades are published: the public checks, their
        cells' errors and general advice; no hidden hint, no score."""
        return tuple(feedback_blocks(self.result, self.traced, public_only=True))

    def feedback(self, public_only: bool = False) -> tuple[Block, ...]:
        return self.public_blocks if public_only else self.blocks
