"""The words participants see, loaded from messages/<language>.toml.

A key missing from a language falls back to English, string by string, so a partly
translated file is still usable."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

import messages

FOLDER = Path(messages.__file__).parent
FALLBACK = "en"


class CopyError(LookupError):
    """A key that no language file has: a bug, caught by the tests, never shown to a person."""


@cache
def _load(language: str) -> dict[str, str]:
    path = FOLDER / f"{language}.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return _flatten(tomllib.load(handle))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def languages() -> list[str]:
    return sorted(p.stem for p in FOLDER.glob("*.toml") if len(p.stem) <= 3)


def all_copy(language: str) -> dict[str, str]:
    return dict(_load(language))


def text(key: str, language: str = FALLBACK, **fields: object) -> str:
    template = _load(language).get(key) or _load(FALLBACK).get(key)
    if template is None:
        raise CopyError(f"no copy for {key!r} in messages/")
    return template.format(**fields) if fields else template


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}
