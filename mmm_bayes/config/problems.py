"""Config problems a user can act on: the YAML path of the field, what was expected, what was found.

Pydantic reports every invalid field at once, with a location such as
``('adstock', 'geometric', 'l_max')``. :func:`problems_from_validation` turns each into a
:class:`Problem` with the path as the user wrote it (``adstock.l_max``, ``channels[2].priors.K
.sigma``), the line in the YAML file, and a message that says what was expected and what was
found; unknown keys name the closest allowed key.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from mmm_bayes.errors import ConfigError

__all__ = [
    "ConfigProblems",
    "Problem",
    "format_path",
    "problems_from_validation",
]

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config: where (YAML path and line) and what.

    Attributes
    ----------
    path : tuple of str and int
        Keys and list indices from the top of the file, e.g. ``("channels", 2, "column")``;
        empty for a problem of the whole config.
    message : str
        What was expected and what was found, and how to fix it.
    line : int or None
        1-based line in the YAML file, when known.
    """

    path: Path_
    message: str
    line: int | None = None

    @property
    def where(self) -> str:
        """The path as written in docs and messages: ``channels[2].priors.K.sigma``."""
        return format_path(self.path)

    def __str__(self) -> str:
        line = f" (line {self.line})" if self.line else ""
        return f"{self.where or '(config)'}{line}: {self.message}"


class ConfigProblems(ConfigError):
    """A config (or its data) has one or more problems; ``problems`` lists them all."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        n = len(self.problems)
        listed = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {n} problem{'s' if n != 1 else ''}:\n{listed}")


def format_path(path: Path_) -> str:
    """Join keys with dots and write list indices in brackets: ``channels[2].column``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problems_from_validation(
    err: ValidationError,
    raw: Any,
    *,
    model: type[BaseModel],
    lines: Mapping[Path_, int] | None = None,
) -> list[Problem]:
    """Turn a pydantic ValidationError into problems with YAML paths, lines and clear messages.

    Parameters
    ----------
    err : ValidationError
        From ``model.model_validate(raw)``.
    raw : object
        The data as read from YAML: used to map pydantic's locations to the keys the user wrote
        (pydantic adds union tags such as ``geometric`` and a prior's internal ``params``).
    model : type of BaseModel
        The validated model, to list the keys allowed where an unknown key was found.
    lines : mapping of path to int, optional
        Line of each YAML path (from :func:`mmm_bayes.config.yaml_io.read_yaml`).
    """
    out: list[Problem] = []
    for e in err.errors(include_url=False):
        path = _user_path(e["loc"], raw, keep_last=e["type"] in ("missing", "extra_forbidden"))
        message = _message(e, path, model, raw)
        path, message = _prior_parameter(path, message)
        if not path:
            path, message = _leading_path(message, model)
        if e["type"] == "union_tag_invalid" or message.startswith("unknown distribution"):
            path = (*path, "kind" if e["type"] == "union_tag_invalid" else "dist")
        problem = Problem(path, message, _line(path, lines))
        if problem not in out:
            out.append(problem)
    return out


def _user_path(loc: tuple, raw: Any, *, keep_last: bool) -> Path_:
    """Follow ``loc`` through the raw data, dropping parts the user did not write."""
    path: list[str | int] = []
    node = raw
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, Mapping) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif last and keep_last:
            path.append(part)
        # else: a union tag, a prior's "params" level, or a validator's name: not a YAML key
    return tuple(path)


def _line(path: Path_, lines: Mapping[Path_, int] | None) -> int | None:
    """Return the line of ``path`` or of its nearest ancestor that has one."""
    if not lines:
        return None
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def _message(e: dict, path: Path_, model: type[BaseModel], raw: Any) -> str:
    kind, msg, found = e["type"], e["msg"], e.get("input")
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        allowed = _allowed_keys(model, path[:-1], raw)
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        text = f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
        return text + (f"; keys allowed here: {', '.join(allowed)}" if allowed else "")
    if kind == "missing":
        return f"required key {str(path[-1])!r} is missing" if path else "a required key is missing"
    if kind == "union_tag_invalid":
        ctx = e.get("ctx", {})
        tags = str(ctx.get("expected_tags"))
        return f"expected one of {tags}, found {ctx.get('tag')!r}{_closest(tags, ctx.get('tag'))}"
    if kind == "union_tag_not_found":
        return f"needs a `kind` key; expected one of {_kinds(model, path, raw)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping (key: value lines), found {_show(found)}"
    if msg.startswith("Input should be "):
        wanted = msg.removeprefix("Input should be ")
        wanted = f"a value {wanted}" if wanted.startswith(("greater", "less")) else wanted
        choices = str(e.get("ctx", {}).get("expected", "")) if kind == "literal_error" else ""
        return f"expected {wanted}, found {_show(found)}{_closest(choices, found)}"
    if msg.startswith("List should have at least"):
        return f"expected {msg.removeprefix('List should have ').split(' after')[0]}, found none"
    return msg.removeprefix("Value error, ")


def _closest(choices: str, found: Any) -> str:
    """`` (did you mean 'alpha'?)`` for a misspelt choice among the quoted ``choices``."""
    if not isinstance(found, str):
        return ""
    close = difflib.get_close_matches(found, re.findall(r"'([^']*)'", choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _prior_parameter(path: Path_, message: str) -> tuple[Path_, str]:
    """Point a prior's parameter error at the parameter: ``...K`` -> ``...K.sigma``."""
    m = re.match(r"\w+ parameter (\w+)=", message)
    if m and (not path or path[-1] != m.group(1)):
        return (*path, m.group(1)), message
    return path, message


def _leading_path(message: str, model: type[BaseModel]) -> tuple[Path_, str]:
    """Read a whole-config message that starts with a field path (``channels: ...``)."""
    m = re.match(r"([A-Za-z_][\w.]*): (.*)", message, flags=re.S)
    if m and m.group(1).split(".")[0] in model.model_fields:
        return tuple(m.group(1).split(".")), m.group(2)
    return (), message


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated[...]`` (discriminators, constraints) from a type."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


def _descend(tp: Any, part: str | int) -> Any:
    """Return the type found at key or index ``part`` of a value of type ``tp`` (or None)."""
    for member in _members(tp):
        origin = typing.get_origin(member)
        if isinstance(part, int) and origin is list:
            return typing.get_args(member)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(member)[1]
        if isinstance(member, type) and issubclass(member, BaseModel):
            if part in member.model_fields:
                return member.model_fields[part].annotation
    return None


def _models_at(model: type[BaseModel], path: Path_, raw: Any) -> list[type[BaseModel]]:
    """Return the pydantic models that may sit at ``path``, narrowed by the ``kind`` written."""
    tp: Any = model
    node = raw
    for part in path:
        tp = _descend(tp, part)
        if tp is None:
            return []
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    models = [m for m in _members(tp) if isinstance(m, type) and issubclass(m, BaseModel)]
    kind = node.get("kind") if isinstance(node, Mapping) else None
    chosen = [
        m for m in models if "kind" in m.model_fields and m.model_fields["kind"].default == kind
    ]
    return chosen or models


def _allowed_keys(model: type[BaseModel], path: Path_, raw: Any) -> list[str]:
    keys: list[str] = []
    for m in _models_at(model, path, raw):
        keys += [k for k in m.model_fields if k not in keys]
    return keys


def _kinds(model: type[BaseModel], path: Path_, raw: Any) -> str:
    models = _models_at(model, path, None)
    return ", ".join(
        repr(m.model_fields["kind"].default) for m in models if "kind" in m.model_fields
    )
