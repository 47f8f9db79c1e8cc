"""Checks for the crawler's hand-written YAML files (search terms, employers, sources).

This module owns `ConfigError` and the small helpers the three loaders use to read a YAML
file and check each value of the parsed mapping. Every failure names the file, the key
path inside it (``groups[3].role_types[1]``) and what was expected, because these files
are edited by hand and a bare "KeyError: 'serch'" tells the editor nothing. Plain code on
purpose: the rules are few and a schema library would be one more dependency.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# A host name: labels of letters, digits and hyphens, at least one dot, a letter TLD.
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class ConfigError(Exception):
    """A configuration file is missing, unreadable or holds a value of the wrong kind."""

    def __init__(self, file: str | Path, key: str, message: str) -> None:
        self.file = str(file)
        self.key = key
        self.problem = message
        where = f"{self.file}: {key}" if key else self.file
        super().__init__(f"{where}: {message}")


def type_name(value: Any) -> str:
    """The YAML-ish name of a value's type, as it appears in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


@dataclass(frozen=True)
class At:
    """Where a value sits: the file and the key path inside it."""

    file: str
    path: str = ""

    def key(self, name: str) -> At:
        return At(self.file, f"{self.path}.{name}" if self.path else name)

    def index(self, i: int) -> At:
        return At(self.file, f"{self.path}[{i}]")

    def error(self, message: str) -> ConfigError:
        return ConfigError(self.file, self.path, message)


def read_yaml_mapping(path: Path) -> tuple[dict[str, Any], At]:
    """Parse a YAML file whose top level must be a mapping; return it and its `At`."""
    at = At(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise at.error(f"cannot read the file ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise at.error(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise at.error(f"expected a mapping at the top level, got {type_name(data)}")
    return data, at


def check_keys(
    value: Any,
    at: At,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
) -> dict[str, Any]:
    """Check that `value` is a mapping with all `required` keys and no unknown key."""
    if not isinstance(value, dict):
        raise at.error(f"expected a mapping, got {type_name(value)}")
    required = tuple(required)
    allowed = set(required) | set(optional)
    for name in value:
        if name not in allowed:
            raise at.key(str(name)).error(
                f"unknown key '{name}'; expected one of {', '.join(sorted(allowed))}"
            )
    for name in required:
        if name not in value:
            raise at.key(name).error("missing required key")
    return value


def expect_str(value: Any, at: At, *, allow_empty: bool = False) -> str:
    """A string (non-empty unless `allow_empty`), stripped of surrounding space."""
    if not isinstance(value, str):
        raise at.error(f"expected a string, got {type_name(value)}")
    text = value.strip()
    if not text and not allow_empty:
        raise at.error("expected a non-empty string, got ''")
    return text


def expect_optional_str(value: Any, at: At) -> str | None:
    """A string or null (an empty string reads as null)."""
    if value is None:
        return None
    return expect_str(value, at, allow_empty=True) or None


def expect_str_list(value: Any, at: At, *, allow_empty: bool = True) -> tuple[str, ...]:
    """A list of non-empty strings (YAML's `no` / `on` read as bools are caught here)."""
    if not isinstance(value, list):
        raise at.error(f"expected a list of strings, got {type_name(value)}")
    if not value and not allow_empty:
        raise at.error("expected a non-empty list of strings, got []")
    return tuple(expect_str(item, at.index(i)) for i, item in enumerate(value))


def expect_choice(value: Any, at: At, choices: Iterable[str]) -> str:
    """One string out of `choices`."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        got = repr(value) if isinstance(value, str) else type_name(value)
        raise at.error(f"expected one of {', '.join(choices)}; got {got}")
    return value


def expect_choices(
    value: Any, at: At, choices: Iterable[str], *, allow_empty: bool = True
) -> tuple[str, ...]:
    """A list whose every item is one of `choices` (duplicates are an error too)."""
    choices = tuple(choices)
    items = expect_str_list(value, at, allow_empty=allow_empty)
    seen: set[str] = set()
    for i, item in enumerate(items):
        expect_choice(item, at.index(i), choices)
        if item in seen:
            raise at.index(i).error(f"duplicate value '{item}'")
        seen.add(item)
    return items


def expect_bool(value: Any, at: At) -> bool:
    if not isinstance(value, bool):
        raise at.error(f"expected true or false, got {type_name(value)}")
    return value


def expect_number(value: Any, at: At, *, minimum: float = 0.0) -> float:
    """An int or float no smaller than `minimum` (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise at.error(f"expected a number >= {minimum:g}, got {type_name(value)}")
    if value < minimum:
        raise at.error(f"expected a number >= {minimum:g}, got {value!r}")
    return float(value)


def expect_int(value: Any, at: At, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise at.error(f"expected an integer >= {minimum}, got {type_name(value)}")
    if value < minimum:
        raise at.error(f"expected an integer >= {minimum}, got {value!r}")
    return value


def expect_url(value: Any, at: At) -> str:
    """An absolute http(s) URL (templates with `{board}` placeholders are allowed)."""
    text = expect_str(value, at)
    if not re.match(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$", text):
        raise at.error(f"expected an absolute http(s) URL, got {text!r}")
    return text


def expect_optional_url(value: Any, at: At) -> str | None:
    if value is None or value == "":
        return None
    return expect_url(value, at)


def expect_domain(value: Any, at: At) -> str:
    """A bare lower-case host name: no scheme, path, port, wildcard or upper case."""
    text = expect_str(value, at)
    if not _DOMAIN_RE.match(text):
        raise at.error(
            f"expected a bare domain name such as example.com (lower case, no scheme or path), got {text!r}"
        )
    return text


def expect_slug(value: Any, at: At) -> str:
    """A lower-case identifier: letters, digits, single hyphens or underscores."""
    text = expect_str(value, at)
    if not _SLUG_RE.match(text):
        raise at.error(f"expected a lower-case slug such as 'scale-ai', got {text!r}")
    return text
