"""Read a run config from YAML (every problem reported at once) and write one back."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mmm_bayes.config.problems import ConfigProblems, Problem, problems_from_validation
from mmm_bayes.config.yaml_io import dump_yaml, read_yaml
from mmm_bayes.errors import ConfigError
from mmm_bayes.spec.run import RunConfig

__all__ = ["apply_overrides", "config_paths", "dump_config", "load_config", "parse_config"]

_SUFFIXES = (".yaml", ".yml")


def load_config(path: str | os.PathLike[str], *, overrides: Sequence[str] | None = ()) -> RunConfig:
    """Read and validate a YAML run config.

    Relative paths inside it (``data.path``, ``output``) start from the file's folder.

    Parameters
    ----------
    path : str or path-like
        The ``.yaml`` file.
    overrides : sequence of str
        ``KEY=VALUE`` settings applied on top of the file before validation, e.g.
        ``sampler.draws=200`` or ``channels[0].spend_column=tv_cost`` (see
        :func:`apply_overrides`).

    Returns
    -------
    RunConfig
        The validated config; ``cfg.model`` and ``cfg.sampler`` go to :class:`mmm_bayes.MMM`.

    Raises
    ------
    ConfigError
        If the file is missing or not YAML; :class:`ConfigProblems` (a ConfigError) listing
        every invalid field with its YAML path, line, what was expected and what was found.

    Examples
    --------
    >>> cfg = load_config("configs/example.yaml")  # doctest: +SKIP
    >>> mmm = MMM.from_config(cfg)                 # doctest: +SKIP
    """
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; give a config file (.yaml)")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (resolved to {path.resolve()}); check the spelling"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: could not be read ({err})") from None
    return parse_config(
        text, source=str(path), base_dir=path.parent, file=path, overrides=overrides
    )


def parse_config(
    text: str,
    *,
    source: str = "<config>",
    base_dir: str | os.PathLike[str] | None = None,
    file: str | os.PathLike[str] | None = None,
    overrides: Sequence[str] | None = (),
) -> RunConfig:
    """Validate YAML text as a run config; see :func:`load_config`.

    Parameters
    ----------
    text : str
        YAML text.
    source : str
        Name used in messages.
    base_dir : path-like, optional
        Where relative paths start; default the current directory.
    file : path-like, optional
        The file the text came from (its name is the default run name).
    overrides : sequence of str
        ``KEY=VALUE`` settings applied before validation.
    """
    raw, lines, problems = read_yaml(text, source=source)
    if raw is None:
        raise ConfigError(f"{source}: the config is empty; see configs/example.yaml for one")
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{source}: the config must be a mapping of keys (data:, channels:, ...), found a "
            f"{type(raw).__name__}"
        )
    raw = apply_overrides(raw, overrides or (), source=source)
    try:
        cfg = RunConfig.model_validate(raw)
    except ValidationError as err:
        found = problems_from_validation(err, raw, model=RunConfig, lines=lines)
        problems += [_from_override(p, overrides or ()) for p in found]
    if problems:
        raise ConfigProblems(source, _sorted(problems))
    return cfg.with_base_dir(base_dir if base_dir is not None else Path.cwd(), source=file)


def _from_override(problem: Problem, overrides: Sequence[str]) -> Problem:
    """Name the override a problem comes from; its value has no line in the file.

    It comes from ``KEY=VALUE`` when its path lies under ``KEY``, or ``KEY`` under it (an
    unknown key ``nosuch`` from ``nosuch.key=1``).
    """
    for item in overrides:
        key = _override_path(item.partition("=")[0])
        path = problem.path
        if path[: len(key)] == key or (path and key[: len(path)] == path):
            return replace(problem, line=None, message=f"{problem.message} (from {item!r})")
    return problem


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def dump_config(cfg: RunConfig, *, header: str | None = None) -> str:
    """Write a config as YAML that :func:`parse_config` reads back to an equal config.

    Every field is written, defaults included, so the file records the whole model.

    Parameters
    ----------
    cfg : RunConfig
        The config.
    header : str, optional
        Comment lines put on top (``#`` is added to each line).
    """
    text = dump_yaml(cfg.model_dump(mode="json"))
    if header:
        text = "".join(f"# {line}\n" for line in header.splitlines()) + text
    return text


def config_paths(items: list[str | os.PathLike[str]]) -> list[Path]:
    """Expand files and folders to config files: a folder gives its ``*.yaml`` and ``*.yml``.

    Raises
    ------
    ConfigError
        If a path does not exist, or a folder holds no config.
    """
    out: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
            if not found:
                raise ConfigError(f"{path}: the folder holds no .yaml or .yml config")
            out += found
        elif path.exists():
            out.append(path)
        else:
            raise ConfigError(f"{path}: no such config file or folder")
    return list(dict.fromkeys(out))


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def apply_overrides(raw: dict, overrides: Sequence[str], *, source: str = "<config>") -> dict:
    """Return a copy of ``raw`` with ``KEY=VALUE`` settings applied (VALUE is read as YAML).

    KEY is a path as in error messages: ``sampler.draws``, ``channels[0].column``,
    ``adstock.alpha`` (missing mappings on the way are created). VALUE ``200`` is a number,
    ``null`` is None, ``{dist: Beta, alpha: 1, beta: 3}`` a mapping.

    Raises
    ------
    ConfigError
        If a setting has no ``=``, its value is not YAML, or its path runs through a value that
        is not a mapping or list, or past the end of a list.
    """
    import copy

    out = copy.deepcopy(raw)
    for item in overrides:
        key, sep, text = item.partition("=")
        parts = list(_override_path(key))
        if not sep or not parts:
            raise ConfigError(
                f"{source}: override {item!r} must look like KEY=VALUE, e.g. sampler.draws=200"
            )
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ConfigError(
                f"{source}: override {item!r}: the value is not valid YAML ({err})"
            ) from None
        _set(out, parts, value, item=item, source=source)
    return out


def _override_path(key: str) -> tuple[str | int, ...]:
    """Split ``channels[0].column`` into ``("channels", 0, "column")``."""
    return tuple(
        m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PART.finditer(key)
    )


def _set(node: Any, parts: list[str | int], value: Any, *, item: str, source: str) -> None:
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(part, int):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                raise ConfigError(f"{source}: override {item!r}: no list item [{part}] there")
            if last:
                node[part] = value
            else:
                node = node[part]
        else:
            if not isinstance(node, dict):
                raise ConfigError(f"{source}: override {item!r}: {part!r} is not inside a mapping")
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
