"""The English of feedback: fixed texts and the phrases that say what a mistake cost.

A root cause is said once, at its cause (:func:`fix_first`); the questions that
lost points through it point there (:func:`pointers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Sized

from ..trusted.causes import Cascade, Loss
from ..untrusted.protocol import Raised

GRADER_FAILED_TEXT = ("Your submission was not graded: the autograder itself failed, which is not "
                      "your doing and costs you nothing. Your instructor has been told; you "
                      "need not resubmit.")

NOT_GRADED_YET_TEXT = ("Not graded yet: your submission could not be graded automatically, and "
                       "your instructor will look at it.")

NOTEBOOK_TEXT = ("This is a copy of your notebook with your feedback written in: what to fix in "
                 "each function follows the cell that defines it, and a cell that did not run "
                 "cleanly is followed by what happened. Run it as you would your own.")

PUBLIC_ONLY_TEXT = ("Your notebook ran; below are the public checks (the ones you can run "
                    "yourself) and any cell that did not run cleanly. The hidden tests decide "
                    "your score; their results appear when your instructor publishes the grades.")



def fix_first(cascade: Cascade, public_only: bool) -> str:
    """The one place that says what a root cause cost the functions that depend on it."""
    root = f"`{cascade.root}`"
    parts: list[str] = []
    if cascade.callers:
        one = len(cascade.callers) == 1
        parts.append(f"{quoted(cascade.callers)} {_verb(cascade.callers)} it and " + (
            ("fails its public check" if one else "fail their public checks") + " because of it"
            if public_only else
            f"lost {points_text(sum(cascade.callers.values()))} through it"))
    # the same path, said once for every question that lost points along it
    by_via: dict[str, dict[str, float]] = {}
    for question, points in cascade.users.items():
        by_via.setdefault(_via(cascade.via[question], cascade.root), {})[question] = points
    for via, users in by_via.items():
        one = len(users) == 1
        if public_only:
            checks = "fails a public check that uses" if one else "fail public checks that use"
            parts.append(f"{quoted(users)} {checks} {via}")
        else:
            checks = "a check that uses" if one else "checks that use"
            parts.append(f"{quoted(users)} lost {points_text(sum(users.values()))} in {checks} {via}")
    text = f"**Fix {root} first:** " + "; ".join(parts) + "."
    if cascade.stopped:
        text += (f" {quoted(cascade.stopped)} stopped at the error {root} raised, so the rest of "
                 f"{'its' if len(cascade.stopped) == 1 else 'their'} code can be checked once "
                 f"{root} is fixed.")
    if not public_only and cascade.alone:
        text += (f" Fixing {root} alone could bring back {'at least ' if cascade.stopped else ''}"
                 f"{points_text(cascade.own + cascade.alone)}.")
    return text


def pointers(question: str, losses: Iterable[Loss], sections: Sequence[str],
             public_only: bool) -> list[str]:
    """What the question's checks lost through other functions, pointing at each cause."""
    groups: dict[tuple[str, ...], list[Loss]] = {}
    for loss in losses:
        if not loss.own:
            groups.setdefault(loss.roots, []).append(loss)
    lines: list[str] = []
    for roots, group in groups.items():
        where = {("above" if sections.index(r) < sections.index(question) else "below")
                 for r in roots}
        see = f"see {where.pop()}" if len(where) == 1 else "see their sections"
        that = "that" if len(roots) == 1 else "those"
        how = _how(question, group, roots)
        if public_only:
            lines.append(f"This check fails because of {quoted(roots)}, {how} ({see}): "
                         f"fix {that} first.")
        else:
            points = sum(loss.points for loss in group)
            lines.append(f"{points_text(points)} lost through {quoted(roots)}, {how} ({see}): "
                         f"fix {that} first.")
    return lines


def _how(question: str, losses: Sequence[Loss], roots: Sequence[str]) -> str:
    """How the question's checks came to go through ``roots``."""
    vias = _vias(losses, roots)
    if question in vias:
        return f"which `{question}` calls"
    called = [v for v in vias if v not in roots]
    it = "it" if len(roots) == 1 else "them"
    if not called:
        return f"in a check that uses {it}"
    if len(roots) == 1:
        return f"in a check that uses {quoted(called)}, which {_verb(called)} {it}"
    return "in a check that uses " + _and([_used_for(root, losses) for root in roots])


def _used_for(root: str, losses: Sequence[Loss]) -> str:
    """How a check used ``root``: "`sigmoid`" itself, or "`formula_1` (which calls
    `join_weights`)"."""
    called = [v for v in _vias(losses, [root]) if v != root]
    if not called:
        return f"`{root}`"
    return f"{quoted(called)} (which {_verb(called)} `{root}`)"


def _vias(losses: Iterable[Loss], roots: Sequence[str]) -> list[str]:
    """The functions the losses' checks used that are, or reached, one of ``roots``, in
    order, each once."""
    vias: list[str] = []
    for loss in losses:
        vias += [v for root in roots for v in loss.via.get(root, ()) if v not in vias]
    return vias


def _and(phrases: Sequence[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _via(functions: Sequence[str], root: str) -> str:
    """``functions`` that reached ``root`` in a check, as a phrase after "uses"."""
    if tuple(functions) == (root,):
        return "it"
    called = [f for f in functions if f != root]
    return f"{quoted(called)}, which {_verb(called)} it"


def _verb(subjects: Sized) -> str:
    return "calls" if len(subjects) == 1 else "call"


def quoted(functions: Iterable[str]) -> str:
    return _and([f"`{n}`" for n in functions])


def points_text(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def distinct_advice(hints: Iterable[str]) -> list[str]:
    """One hint per piece of advice: the same mistake seen by several tests is said once."""
    kept: dict[str, str] = {}
    for hint in hints:
        kept.setdefault(hint.strip().splitlines()[-1], hint)
    return list(kept.values())


def missing_package(raised: Raised | None) -> str:
    """Name the package a cell imported that grading does not have (scipy, say), from what
    it raised (a :class:`~hsa.untrusted.protocol.Raised`, or None)."""
    if raised is None or raised.type != "ModuleNotFoundError" or not raised.name:
        return ""
    return (f" Grading does not have `{raised.name}`: graded code may import numpy and "
            "Python's standard library only, so everything this cell defines was missing.")


REFUSED_BY_THE_SANDBOX = "[Errno 1] "  # EPERM, how the grading sandbox's filter refuses a call


def refused_call(raised: Raised | None) -> str:
    """Explain a call the grading sandbox refused (PermissionError with EPERM: a file lock, a
    keyring, a namespace...), which may well work on the student's own machine."""
    if raised is None or raised.type != "PermissionError" or \
            not raised.message.startswith(REFUSED_BY_THE_SANDBOX):
        return ""
    return (" Grading refuses some system calls that graded code does not need (file locks "
            "such as `fcntl.flock`, kernel keyrings, new namespaces and mounts, tracing), so "
            "such a call fails here even where it works on your own machine: leave it out of "
            "the notebook you hand in.")


def shortened_text(full_bytes: int, limit_bytes: int) -> str:
    """Where a platform cuts feedback at ``limit_bytes``: what the student is told of the
    rest (its grader's log keeps the whole page, which only course staff can open)."""
    return (f"This feedback is shortened: in full it is {full_bytes / 1024:.0f} KB, more than "
            f"the {limit_bytes // 1024} KB this platform shows, so long hints and error messages "
            "are cut. Your course staff can read the whole of it in this grading's log.")
