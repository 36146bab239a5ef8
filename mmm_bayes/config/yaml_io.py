"""Read YAML safely, keeping the line of every key, and refusing repeated keys.

PyYAML's safe loader builds only plain data (no Python objects) but lets a repeated key silently
win over the first; a repeated key is as much a typo as an unknown one, so it is reported here.
"""

from __future__ import annotations

from typing import Any

import yaml

from mmm_bayes.config.problems import Path_, Problem
from mmm_bayes.errors import ConfigError

__all__ = ["dump_yaml", "read_yaml"]


def read_yaml(text: str, *, source: str) -> tuple[Any, dict[Path_, int], list[Problem]]:
    """Parse YAML text with the safe loader.

    Parameters
    ----------
    text : str
        The YAML document.
    source : str
        File name for messages.

    Returns
    -------
    data : object
        The parsed document (``None`` for an empty one).
    lines : dict of path to int
        1-based line of each key and list item, e.g. ``{("channels", 0, "column"): 12}``.
    problems : list of Problem
        Repeated keys.

    Raises
    ------
    ConfigError
        If the text is not valid YAML (with the line and column of the error).
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(
            f"{source}: not valid YAML{where}: {problem}. Check the indentation (spaces, not "
            "tabs) and that every `key: value` has a space after the colon."
        ) from None
    lines: dict[Path_, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, problems)
    return data, lines, problems


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], problems: list[Problem]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        (*path, key),
                        f"key {key!r} appears twice (first at line {seen[key]}); keep one",
                        line,
                    )
                )
                continue
            seen[key] = line
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, problems)


def dump_yaml(data: Any) -> str:
    """Write plain data as block-style YAML, keys in the given order."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
