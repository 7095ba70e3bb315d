"""Every setting an assignment may have, declared once: its type, default, bounds and meaning.

An instructor sets them in ``hsa.yml`` beside the master notebook (Otter does not read that
file: its ``ASSIGNMENT CONFIG`` rejects keys it does not know). ``hsa assign`` checks the file
against :class:`Settings` and writes the resolved record, defaults included, into the
autograder (``hsa_config.json``), so a master without ``hsa.yml`` grades with the defaults.
The grader reads it back with :meth:`Settings.from_mapping`; every other module receives
values (budgets, a memory cap, a count), never the mapping. ``docs/settings.md`` is made from
this module (:func:`markdown`), and a test keeps the two equal.
"""

from __future__ import annotations

import dataclasses
import difflib
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, TypeVar, cast

from .exceptions import SettingsError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Record = TypeVar("_Record", bound="DataclassInstance")

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
"""Gradescope's visibility of a test (its results.json's ``visibility``)."""


def setting(default: Any, meaning: str, *, minimum: float | None = None,
            maximum: float | None = None, choices: tuple[object, ...] = ()) -> Any:
    """A setting's declaration: a dataclass field that carries its meaning and bounds."""
    return field(default=default, metadata={"meaning": meaning, "minimum": minimum,
                                            "maximum": maximum, "choices": choices})


@dataclass(frozen=True)
class Visibility:
    """Who sees which checks' results on Gradescope, and when."""

    public: str = setting("visible", "when students see the public checks' results",
                          choices=VISIBILITIES)
    hidden: str = setting("after_published", "when students see the hidden tests' names, "
                          "scores and hints (never their inputs)", choices=VISIBILITIES)


@dataclass(frozen=True)
class Coursera:
    """What Coursera gives one grading run of the custom grader (its defaults; the same values
    go to Coursera with ``coursera_autograder update_resource_limits``)."""

    memory_mib: int = setting(4096, "the container's memory", minimum=4096, maximum=16384)
    cpus: int = setting(1, "the container's CPUs", choices=(1, 2, 4))
    timeout_seconds: int = setting(1200, "the time from the container's start until Coursera "
                                   "stops it; a submission's budget is cut to fit in it",
                                   minimum=300, maximum=1800)


@dataclass(frozen=True)
class PrairieLearn:
    """What a PrairieLearn question asks of its grader host (``externalGradingOptions``)."""

    timeout_seconds: int = setting(30, "the question's externalGradingOptions.timeout, from the "
                                   "container's start; a submission's budget is cut to fit in it",
                                   minimum=10, maximum=600)


@dataclass(frozen=True)
class Settings:
    """An assignment's settings (``hsa.yml``), every one optional."""

    cell_budget_seconds: float = setting(
        10.0, "time one cell may run (CPU time where a cgroup counts it, with 3x wall time at "
        "most; else wall time); past it the cell is stopped and skipped, and grading goes on",
        minimum=0.1, maximum=3600)
    call_budget_seconds: float = setting(
        5.0, "time one call of a graded function by a check may run (counted as a cell's)",
        minimum=0.1, maximum=3600)
    submission_budget_seconds: float = setting(
        60.0, "time all of one submission's code may run (counted as a cell's; `hsa grade "
        "--timeout` overrides it)", minimum=1, maximum=86400)
    submission_memory_mib: int = setting(
        2048, "memory all of one submission's processes may use together, where a cgroup can "
        "be made (elsewhere each process is limited, sized to the machine)", minimum=256,
        maximum=1 << 20)
    zygote_restart_every: int = setting(
        100, "submissions a warm zygote serves before it is replaced (a new address-space "
        "layout and hash seed)", minimum=1, maximum=1_000_000)
    visibility: Visibility = setting(Visibility(), "Gradescope's visibility of the checks")
    coursera: Coursera = setting(Coursera(), "Coursera's limits for one grading run")
    prairielearn: PrairieLearn = setting(PrairieLearn(), "PrairieLearn's limits for one grading run")
    public_checks_url: str | None = setting(
        None, "where the student notebook downloads public_checks.py when it is not beside it "
        "(Google Colab); empty: the student uploads the file")

    @classmethod
    def from_mapping(cls, data: object, source: str) -> Settings:
        """The settings ``data`` holds (``hsa.yml``'s, or the autograder's), checked; the
        defaults for what it leaves out or empty. ``source`` names it in errors."""
        return _parse(cls, data, source, "")

    def to_mapping(self) -> dict[str, Any]:
        """Every setting, resolved (defaults included), as hsa_config.json holds them."""
        return dataclasses.asdict(self)

    @property
    def submission_memory_bytes(self) -> int:
        return self.submission_memory_mib << 20


def _parse(kind: type[_Record], data: object, source: str, prefix: str) -> _Record:
    """An instance of the record ``kind`` from the mapping ``data``, every value checked."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise SettingsError(f"{source}: {prefix.rstrip('.') or 'the settings'} must be a mapping "
                            f"of names to values, not {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(kind)}
    for key in data:
        if key not in fields:
            raise SettingsError(f"{source}: unknown setting {prefix}{key}{_close_match(key, fields)}; "
                                f"the settings are listed in docs/settings.md")
    values = {name: _value(f, data[name], source, prefix) for name, f in fields.items()
              if data.get(name) is not None}
    return kind(**values)


def _close_match(key: object, names: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(str(key), list(names), n=1, cutoff=0.5)
    return f" (did you mean {close[0]}?)" if close else ""


def _value(declared: dataclasses.Field[Any], value: object, source: str, prefix: str) -> Any:
    """``value`` checked against the declaration of the setting ``declared``."""
    # a string: this module's annotations are not evaluated (from __future__ import annotations)
    name, kind = prefix + declared.name, cast(str, declared.type)
    if dataclasses.is_dataclass(declared.default):
        record: type[Any] = type(declared.default)  # a nested record's default is an instance
        return _parse(record, value, source, name + ".")
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value)
    elif kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        pass
    elif kind in ("str", "str | None") and isinstance(value, str):
        pass
    else:
        expected = {"float": "a number", "int": "a whole number"}.get(kind, "text")
        raise SettingsError(f"{source}: {name} must be {expected}, not {value!r}")
    _check_bounds(declared, name, value, source)
    return value


def _check_bounds(declared: dataclasses.Field[Any], name: str, value: Any, source: str) -> None:
    meta = declared.metadata
    if meta["choices"] and value not in meta["choices"]:
        raise SettingsError(f"{source}: {name} is {value!r}; it may be "
                            f"{', '.join(map(str, meta['choices']))}")
    low, high = meta["minimum"], meta["maximum"]
    if (low is not None and value < low) or (high is not None and value > high):
        raise SettingsError(f"{source}: {name} is {_number(value)}; it must be from "
                            f"{_number(low)} to {_number(high)}")
    if declared.name.endswith("_url"):
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(f"{source}: {name} is {value!r}; it must be an http(s) address "
                                "that serves public_checks.py, or empty")


def declarations(kind: type[DataclassInstance] = Settings,
                 prefix: str = "") -> list[tuple[str, dataclasses.Field[Any]]]:
    """Every setting's dotted name and declaration, nested records flattened, in order."""
    found = []
    for declared in dataclasses.fields(kind):
        if dataclasses.is_dataclass(declared.default):
            record: type[Any] = type(declared.default)  # a nested record's default is an instance
            found += declarations(record, f"{prefix}{declared.name}.")
        else:
            found.append((prefix + declared.name, declared))
    return found


def markdown() -> str:
    """docs/settings.md: a row per setting, made from the declarations above."""
    lines = ["# Settings", "",
             "<!-- Generated from src/hsa/settings.py by `python -m hsa.settings`; "
             "tests/test_settings.py keeps them equal. -->", "",
             "An assignment's settings live in `hsa.yml` beside its master notebook (every key "
             "optional; a master without the file gets the defaults). `hsa assign` checks them "
             "and writes them, resolved, into the autograder. Nested names are written nested "
             "in YAML (`visibility:` then `  hidden: after_due_date`).", "",
             "| setting | type | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
    for name, declared in declarations():
        lines.append(f"| `{name}` | {_type_name(declared.type)} | {_shown(declared.default)} | "
                     f"{_allowed(declared)} | {declared.metadata['meaning']} |")
    return "\n".join(lines) + "\n"


def _type_name(kind: object) -> str:
    return {"float": "number", "int": "whole number", "str": "text",
            "str | None": "text (URL)"}.get(str(kind), str(kind))


def _shown(default: object) -> str:
    return "(empty)" if default is None else f"`{_number(default)}`" \
        if isinstance(default, (int, float)) else f"`{default}`"


def _number(value: float) -> str:
    """``10`` for 10.0, ``0.1``, ``1048576``: as a person writes it in hsa.yml."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _allowed(declared: dataclasses.Field[Any]) -> str:
    meta = declared.metadata
    if meta["choices"]:
        return ", ".join(f"`{c}`" for c in meta["choices"])
    if meta["minimum"] is not None:
        return f"{_number(meta['minimum'])} to {_number(meta['maximum'])}"
    return "http(s) address" if declared.name.endswith("_url") else ""


if __name__ == "__main__":
    print(markdown(), end="")
