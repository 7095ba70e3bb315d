"""Gradescope's submission_metadata.yml: YAML written by Ruby, read as plain data."""

from __future__ import annotations

import datetime
import os
import pathlib
import re

import yaml

from ...exceptions import MetadataError

MAX_METADATA_BYTES = 64 << 20


class _RubyLoader(yaml.SafeLoader):
    """YAML's safe loader, reading Ruby's local tags (``!ruby/object:...``) as plain data.

    Gradescope writes the metadata with Ruby, which may tag a value with its
    class. A tag constructs nothing here: the node is read as the mapping,
    list or string it is. Standard tags stay those of SafeLoader, so
    ``!!python/object`` and its kin are refused, never run.
    """


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_RubyLoader.add_multi_constructor("!", _untagged)


def read_gradescope_metadata(path: str | os.PathLike[str]) -> dict[str, object]:
    """``{folder: entry}`` with Ruby's ``:key`` written ``key``; MetadataError when unreadable.
    An entry is whatever the YAML holds there (plain data: mappings, lists, scalars)."""
    path = pathlib.Path(path)
    if path.stat().st_size > MAX_METADATA_BYTES:
        raise MetadataError(f"it is larger than {MAX_METADATA_BYTES >> 20} MB")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_RubyLoader)  # noqa: S506 (safe)
        data = _unsymbol(data, {})
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as error:
        raise MetadataError(f"{type(error).__name__}: {str(error)[:200]}") from None
    if not isinstance(data, dict):
        raise MetadataError("it is not a mapping from submission folders to their submitters")
    return {str(k): v for k, v in data.items()}


def _unsymbol(value: object, seen: dict[int, object]) -> object:
    """Ruby symbols as keys (``:submitters``) to plain keys, everywhere; shared nodes once."""
    if not isinstance(value, (dict, list)):
        return value
    if id(value) in seen:
        return seen[id(value)]
    if isinstance(value, list):
        items: list[object] = []
        seen[id(value)] = items
        items.extend(_unsymbol(v, seen) for v in value)
        return items
    mapping: dict[object, object] = {}
    seen[id(value)] = mapping
    for k, v in value.items():
        mapping[k[1:] if isinstance(k, str) and k.startswith(":") else k] = _unsymbol(v, seen)
    return mapping


def text(value: object) -> str:
    """A metadata value as stripped text; "" when absent or blank."""
    return "" if value is None else str(value).strip()


def parse_time(value: object) -> datetime.datetime | None:
    """A Gradescope ``created_at`` as an aware datetime, or None."""
    if isinstance(value, str):
        text = re.sub(r"\s*Z$", "+00:00", value.strip()).replace(" ", "T", 1)
        try:
            value = datetime.datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text))
        except ValueError:
            return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    return None
