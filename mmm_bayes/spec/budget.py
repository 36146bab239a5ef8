"""Budget problems as data: the planning window, the budget, constraints and the objective.

One :class:`BudgetProblem` describes an optimization fully; the YAML file of
``mmm-bayes optimize --constraints`` and the keyword arguments of ``MMM.optimize_budget`` both
become one. Money is in the data's currency units and covers the whole planning window (not per
period); KPI amounts are in the KPI's own units, counted over the window plus the carryover tail
after it.

Example YAML::

    periods: 13
    total: 1500000            # the window's budget; omitted: the current allocation's total
    total_mode: equal         # or at_most
    max_change: 0.3           # no channel moves more than +/-30% from its current spend
    channels:
      tv: {min: 200000, max: 600000}
      radio: {fixed: current}
      search: {min_ratio: 1.0}
    groups:
      - {name: digital, channels: [search, social, display], max: 700000}
    objective: {kind: lower_quantile, quantile: 0.1}
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mmm_bayes.errors import ConfigError

__all__ = [
    "BudgetProblem",
    "ChannelBounds",
    "ChannelGroup",
    "ExpectedKPI",
    "KPITarget",
    "LowerQuantile",
    "MarginalROASFloor",
    "MeanMinusSd",
    "Objective",
    "budget_problem",
    "channel_problems",
    "check_channels",
    "load_budget_problem",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)
_Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class ChannelBounds(BaseModel):
    """Limits on one channel's spend over the window.

    Currency bounds (``min``, ``max``) and ratio bounds (``min_ratio``, ``max_ratio``, multiples
    of the channel's current spend) combine: the tightest of each side applies. ``fixed`` pins
    the spend (``"current"`` keeps the current spend) and excludes every other field.
    """

    model_config = _FROZEN
    min: _Money | None = Field(None, description="Least spend over the window, currency.")
    max: _Money | None = Field(None, description="Most spend over the window, currency.")
    min_ratio: _Money | None = Field(None, description="Least spend, as a multiple of current.")
    max_ratio: _Money | None = Field(None, description="Most spend, as a multiple of current.")
    fixed: _Money | Literal["current"] | None = Field(
        None, description="Spend held at this amount (or 'current'); not optimized."
    )

    @model_validator(mode="after")
    def _consistent(self) -> ChannelBounds:
        others = [
            k for k in ("min", "max", "min_ratio", "max_ratio") if getattr(self, k) is not None
        ]
        if self.fixed is not None and others:
            raise ValueError(f"'fixed' excludes the other bounds; drop {others} or 'fixed'")
        for lo, hi in (("min", "max"), ("min_ratio", "max_ratio")):
            a, b = getattr(self, lo), getattr(self, hi)
            if a is not None and b is not None and a > b:
                raise ValueError(f"{lo}={a:g} exceeds {hi}={b:g}")
        return self


class ChannelGroup(BaseModel):
    """Channels whose summed spend over the window has its own floor and/or cap."""

    model_config = _FROZEN
    name: str = Field(min_length=1, description="Name used in messages and results.")
    channels: list[str] = Field(min_length=1, description="Channel names (as in the model).")
    min: _Money | None = Field(None, description="Least summed spend, currency.")
    max: _Money | None = Field(None, description="Most summed spend, currency.")

    @model_validator(mode="after")
    def _consistent(self) -> ChannelGroup:
        if self.min is None and self.max is None:
            raise ValueError(f"group {self.name!r} needs 'min' and/or 'max'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"group {self.name!r}: min={self.min:g} exceeds max={self.max:g}")
        dupes = sorted({c for c in self.channels if self.channels.count(c) > 1})
        if dupes:
            raise ValueError(f"group {self.name!r} lists channel(s) {dupes} twice")
        return self


class ExpectedKPI(BaseModel):
    """Maximize the posterior mean of the incremental KPI."""

    model_config = _FROZEN
    kind: Literal["expected_kpi"] = "expected_kpi"


class LowerQuantile(BaseModel):
    """Maximize a lower posterior quantile of the incremental KPI (a cautious plan)."""

    model_config = _FROZEN
    kind: Literal["lower_quantile"] = "lower_quantile"
    quantile: float = Field(0.1, gt=0.0, lt=0.5, description="E.g. 0.1: the 10% quantile.")


class MeanMinusSd(BaseModel):
    """Maximize ``mean - risk_aversion * sd`` of the incremental KPI over the posterior."""

    model_config = _FROZEN
    kind: Literal["mean_minus_sd"] = "mean_minus_sd"
    risk_aversion: float = Field(1.0, ge=0.0, allow_inf_nan=False, description="Lambda.")


class KPITarget(BaseModel):
    """Minimize total spend subject to an expected incremental KPI of at least ``target``."""

    model_config = _FROZEN
    kind: Literal["kpi_target"] = "kpi_target"
    target: float = Field(gt=0.0, allow_inf_nan=False, description="KPI units over the window.")


class MarginalROASFloor(BaseModel):
    """Spend as much as keeps each channel's expected marginal ROAS at or above ``threshold``.

    Solved as: maximize ``E[KPI] - threshold * spend``; at the optimum every channel not held
    by a bound has expected marginal ROAS equal to ``threshold``.
    """

    model_config = _FROZEN
    kind: Literal["marginal_roas_floor"] = "marginal_roas_floor"
    threshold: float = Field(gt=0.0, allow_inf_nan=False, description="KPI per currency unit.")


Objective = Annotated[
    ExpectedKPI | LowerQuantile | MeanMinusSd | KPITarget | MarginalROASFloor,
    Field(discriminator="kind"),
]
_OBJECTIVE_KINDS = ("expected_kpi", "lower_quantile", "mean_minus_sd", "kpi_target",
                    "marginal_roas_floor")  # fmt: skip


class BudgetProblem(BaseModel):
    """A budget allocation problem over a planning window of ``periods`` periods.

    Parameters
    ----------
    periods : int
        Length of the planning window, in the data's periods (13 weeks is a quarter).
    total : float, optional
        Budget for the whole window, currency. Default: the current allocation's total.
        For ``kpi_target`` and ``marginal_roas_floor`` it is an optional cap.
    total_mode : {"equal", "at_most"}, optional
        Spend exactly ``total`` or at most it. Default ``equal`` for the KPI-maximizing
        objectives, ``at_most`` for the other two (which choose the spend themselves).
    current : dict of str to float, optional
        Current spend per channel over the window, the comparison point and the base of ratio
        bounds. Default: each channel's historical mean spend per period times ``periods``.
    channels : dict of str to ChannelBounds
        Per-channel bounds; channels not named are free (>= 0).
    max_change : float, optional
        No channel moves more than this fraction of its current spend (0.3 is +/-30%).
    groups : list of ChannelGroup
        Channel groups with their own floor and/or cap.
    pattern : dict of str to list of float
        Relative spend per period within the window for a channel (``periods`` non-negative
        weights, scaled to sum to one); channels not named spend evenly.
    frequency : dict of str to float
        Planned frequency (impressions per person reached, >= 1) of reach-and-frequency
        channels; those not named are planned at their optimal frequency within the data.
    objective : Objective or str
        ``expected_kpi`` (default), ``lower_quantile``, ``mean_minus_sd``, ``kpi_target`` or
        ``marginal_roas_floor``; a string names a kind with its default settings.
    n_starts : int
        Optimizer starts: the current allocation and ``n_starts - 1`` random feasible points.
    random_seed : int
        Seed of the random starts.
    """

    model_config = _FROZEN
    periods: int = Field(13, ge=1, le=520)
    total: float | None = Field(None, gt=0.0, allow_inf_nan=False)
    total_mode: Literal["equal", "at_most"] | None = None
    current: dict[str, _Money] | None = None
    channels: dict[str, ChannelBounds] = Field(default_factory=dict)
    max_change: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    groups: list[ChannelGroup] = Field(default_factory=list)
    pattern: dict[str, list[_Money]] = Field(default_factory=dict)
    frequency: dict[str, Annotated[float, Field(ge=1.0, allow_inf_nan=False)]] = Field(
        default_factory=dict
    )
    objective: Objective = Field(default_factory=ExpectedKPI)
    n_starts: int = Field(5, ge=1, le=100)
    random_seed: int = 0

    @field_validator("objective", mode="before")
    @classmethod
    def _objective_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value not in _OBJECTIVE_KINDS:
                hint = difflib.get_close_matches(value, _OBJECTIVE_KINDS, n=1)
                extra = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise ValueError(
                    f"unknown objective {value!r}{extra}; use one of {_OBJECTIVE_KINDS}"
                )
            if value in ("kpi_target", "marginal_roas_floor"):
                need = "target" if value == "kpi_target" else "threshold"
                raise ValueError(
                    f"objective {value!r} needs a {need}: {{kind: {value}, {need}: ...}}"
                )
            return {"kind": value}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> BudgetProblem:
        for name, weights in self.pattern.items():
            if len(weights) != self.periods:
                raise ValueError(
                    f"pattern of {name!r} has {len(weights)} weights; periods is {self.periods}"
                )
            if sum(weights) <= 0:
                raise ValueError(f"pattern of {name!r} has no positive weight")
        names = [g.name for g in self.groups]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"group names must be unique; repeated: {dupes}")
        return self

    @property
    def spend_is_chosen(self) -> bool:
        """True for objectives that choose the total spend (``kpi_target``, mROAS floor)."""
        return self.objective.kind in ("kpi_target", "marginal_roas_floor")

    @property
    def resolved_total_mode(self) -> Literal["equal", "at_most"]:
        """``total_mode``, or its default for the objective."""
        if self.total_mode is not None:
            return self.total_mode
        return "at_most" if self.spend_is_chosen else "equal"


def _error_lines(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"]) or "(top level)"
        shown = "" if e["type"] == "missing" else f" (got {e.get('input')!r})"
        lines.append(f"{path}: {e['msg']}{shown}")
    return lines


def validate_problem(
    data: Any, *, source: str = "budget problem", model_channels: Iterable[str] | None = None
) -> BudgetProblem:
    """Validate ``data`` (a dict) as a :class:`BudgetProblem`, every error named by its path.

    With ``model_channels``, channel names the model lacks are reported in the same message
    as the schema's errors (see :func:`channel_problems`), so a file's problems come at once.

    Raises
    ------
    ConfigError
        Listing each problem as ``path.to.field: message (got value)``.
    """
    problem, lines = None, []
    try:
        problem = BudgetProblem.model_validate(data)
    except ValidationError as err:
        lines = _error_lines(err)
    if model_channels is not None and isinstance(data, Mapping):
        lines += channel_problems(data, model_channels)
    if lines:
        n = len(lines)
        head = f"{source}: {n} problem{'s' if n > 1 else ''} in the budget problem:"
        raise ConfigError("\n".join([head, *(f"  {line}" for line in lines)]))
    return problem


def load_budget_problem(
    path: str | Path, *, model_channels: Iterable[str] | None = None
) -> BudgetProblem:
    """Read a budget problem from a YAML file (safe loader).

    ``model_channels``, when given, are checked in the same pass (:func:`validate_problem`).

    Raises
    ------
    ConfigError
        If the file is missing, is not YAML, is not a mapping, or fails validation (every
        problem listed with its YAML path, e.g. ``channels.tv.max_ratio``).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such constraints file.")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of keys, got {type(data).__name__}"
        )
    return validate_problem(data, source=str(path), model_channels=model_channels)


def budget_problem(
    problem: BudgetProblem | Mapping[str, Any] | str | Path | None = None,
    *,
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    fixed: Mapping[str, float | str] | Iterable[str] | str | None = None,
    model_channels: Iterable[str] | None = None,
    **fields: Any,
) -> BudgetProblem:
    """Build a :class:`BudgetProblem` from a base problem and keyword overrides.

    Parameters
    ----------
    problem : BudgetProblem, dict, or path to YAML, optional
        The base; keyword arguments that are not None override its fields.
    bounds : dict of str to (lower, upper), optional
        Currency bounds per channel over the window; ``None`` leaves a side open.
    fixed : dict of str to float or "current", list of str, or str, optional
        Channels held fixed (a list, or one name, keeps them at current spend).
    model_channels : iterable of str, optional
        The model's channels: unknown names are then reported with the other problems.
    **fields
        Any other :class:`BudgetProblem` field (``total``, ``periods``, ``max_change``, ...);
        ``None`` values are ignored.

    Examples
    --------
    >>> p = budget_problem(total=1e6, bounds={"tv": (1e5, 4e5)}, fixed=["radio"])
    >>> p.channels["tv"].max, p.channels["radio"].fixed
    (400000.0, 'current')
    """
    if isinstance(problem, str | Path):
        loaded = load_budget_problem(problem, model_channels=model_channels)
        base = loaded.model_dump(exclude_unset=True)
    elif isinstance(problem, BudgetProblem):
        base = problem.model_dump(exclude_unset=True)
    else:
        base = dict(problem or {})
    base |= {k: v for k, v in fields.items() if v is not None}
    channels = {k: dict(v) for k, v in dict(base.get("channels") or {}).items()}
    for name, (lo, hi) in _bound_pairs(bounds).items():
        channels.setdefault(name, {}).update({"min": lo, "max": hi})
    for name, value in _pins(fixed).items():
        channels[name] = {"fixed": value}
    if channels:
        base["channels"] = channels
    return validate_problem(base, model_channels=model_channels)


def _bound_pairs(bounds: Any) -> dict[str, tuple[Any, Any]]:
    """Return ``bounds`` as {channel: (lower, upper)}; a ConfigError names each bad entry."""
    if bounds is None:
        return {}
    try:
        bounds = dict(bounds)
    except (TypeError, ValueError):
        raise ConfigError(
            f"bounds: give a dict of channel to (lower, upper), got {bounds!r}"
        ) from None
    pairs, bad = {}, []
    for name, pair in bounds.items():
        ok = isinstance(pair, Iterable) and not isinstance(pair, str | bytes | Mapping)
        pairs[name] = tuple(pair) if ok else (pair,)
        if len(pairs[name]) != 2:
            bad.append(f"bounds[{name!r}]: got {pair!r}")
    if bad:
        raise ConfigError(
            f"{'; '.join(bad)}: bounds are (lower, upper), currency over the window; None "
            "leaves a side open, e.g. bounds={'tv': (100_000, None)}"
        )
    return pairs


def _pins(fixed: Any) -> dict[str, Any]:
    """Return ``fixed`` as {channel: amount or "current"}; one name is a one-name list."""
    if fixed is None:
        return {}
    if isinstance(fixed, Mapping):
        return dict(fixed)
    names = [fixed] if isinstance(fixed, str) else fixed  # a name, not its letters
    names = list(names) if isinstance(names, Iterable) else [None]
    if not all(isinstance(c, str) for c in names):
        raise ConfigError(
            "fixed: give a channel name, a list of names (held at current spend) or a dict "
            f"of channel to amount, got {fixed!r}"
        )
    return dict.fromkeys(names, "current")


def _channel_places(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(where, name)`` of each channel name in a problem's data; malformed parts skipped."""
    places = []
    for key in ("channels", "current", "pattern", "frequency"):
        part = data.get(key)
        if isinstance(part, Mapping):
            places += [(f"{key}.{c}", c) for c in part]
    groups = data.get("groups")
    for i, g in enumerate(groups if isinstance(groups, list) else []):
        members = g.get("channels") if isinstance(g, Mapping) else None
        if isinstance(members, list):
            places += [(f"groups.{g.get('name', i)}.channels", c) for c in members]
    return places


def _unknown(data: Mapping[str, Any], known: list[str]) -> list[str]:
    bad = []
    for where, name in _channel_places(data):
        if name not in known:
            hint = difflib.get_close_matches(str(name), known, n=1)
            bad.append(f"{where}: {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    return bad


def channel_problems(data: Mapping[str, Any], channels: Iterable[str]) -> list[str]:
    """Name each channel in a problem's data (a dict) that the model lacks, and gaps in current.

    Works on unvalidated data, so the problems can be reported with the schema's errors.
    """
    known = list(channels)
    bad = [f"{line}: not one of the model's channels {known}" for line in _unknown(data, known)]
    current = data.get("current")
    if isinstance(current, Mapping) and not set(known) <= set(current):
        missing = [c for c in known if c not in current]
        bad.append(f"current: must give every channel's spend; missing {missing}")
    return bad


def check_channels(problem: BudgetProblem, channels: Iterable[str]) -> None:
    """Raise ConfigError if the problem names a channel the model does not have.

    Each unknown name is reported with the field it sits in and the closest model channel.
    """
    known = list(channels)
    data = problem.model_dump()
    bad = _unknown(data, known)
    if bad:
        raise ConfigError(f"unknown channel(s) {'; '.join(bad)}; the model's channels are {known}")
    if problem.current is not None and set(problem.current) != set(known):
        missing = [c for c in known if c not in problem.current]
        raise ConfigError(f"'current' must give every channel's spend; missing {missing}")
