"""Prior specs: a distribution name and its parameters, e.g. ``{"dist": "HalfNormal", "sigma": 2}``.

A :class:`Prior` is plain data (frozen, validated, serializable). The model layer turns it into a
PyMC variable whose parameters are shared data, so changing a prior's numbers refits without a
recompile.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

#: Parameters each supported distribution takes (all required), in PyMC's own names.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "Normal": ("mu", "sigma"),
    "HalfNormal": ("sigma",),
    "LogNormal": ("mu", "sigma"),
    "Gamma": ("alpha", "beta"),
    "Beta": ("alpha", "beta"),
    "Exponential": ("lam",),
    "StudentT": ("nu", "mu", "sigma"),
    "HalfStudentT": ("nu", "sigma"),
    "Uniform": ("lower", "upper"),
    "TruncatedNormal": ("mu", "sigma", "lower", "upper"),
}

#: Parameters that must be strictly positive.
_POSITIVE = {"sigma", "alpha", "beta", "lam", "nu"}

#: The support of each distribution, for checks such as "a media effect must be non-negative".
Support = Literal["real", "positive", "unit"]
_SUPPORT: dict[str, Support] = {
    "Normal": "real",
    "StudentT": "real",
    "HalfNormal": "positive",
    "LogNormal": "positive",
    "Gamma": "positive",
    "Exponential": "positive",
    "HalfStudentT": "positive",
    "Beta": "unit",
}

#: numpy draws in PyMC's parametrization: ``(rng, size, **params) -> ndarray``.
_SAMPLERS: dict[str, Callable[..., np.ndarray]] = {
    "Normal": lambda rng, size, mu, sigma: rng.normal(mu, sigma, size),
    "HalfNormal": lambda rng, size, sigma: np.abs(rng.normal(0.0, sigma, size)),
    "LogNormal": lambda rng, size, mu, sigma: rng.lognormal(mu, sigma, size),
    "Gamma": lambda rng, size, alpha, beta: rng.gamma(alpha, 1.0 / beta, size),  # beta is a rate
    "Beta": lambda rng, size, alpha, beta: rng.beta(alpha, beta, size),
    "Exponential": lambda rng, size, lam: rng.exponential(1.0 / lam, size),  # lam is a rate
    "StudentT": lambda rng, size, nu, mu, sigma: mu + sigma * rng.standard_t(nu, size),
    "HalfStudentT": lambda rng, size, nu, sigma: np.abs(sigma * rng.standard_t(nu, size)),
    "Uniform": lambda rng, size, lower, upper: rng.uniform(lower, upper, size),
    "TruncatedNormal": lambda rng, size, mu, sigma, lower, upper: _truncated_normal(
        rng, size, mu, sigma, lower, upper
    ),
}


def _truncated_normal(rng, size, mu, sigma, lower, upper) -> np.ndarray:
    from scipy.stats import truncnorm  # imported here: scipy.stats is slow to import

    a, b = (lower - mu) / sigma, (upper - mu) / sigma
    return truncnorm.rvs(a, b, loc=mu, scale=sigma, size=size, random_state=rng)


class Prior(BaseModel):
    """A prior distribution: ``dist`` names a PyMC distribution, the other keys its parameters.

    Parameters
    ----------
    dist : str
        One of :data:`DISTRIBUTIONS`.
    params : dict of str to float
        The distribution's parameters. In YAML or a dict they sit beside ``dist``.

    Examples
    --------
    >>> Prior.model_validate({"dist": "HalfNormal", "sigma": 2})
    Prior(HalfNormal(sigma=2.0))
    >>> Prior(dist="Beta", params={"alpha": 1, "beta": 3}).model_dump()
    {'dist': 'Beta', 'alpha': 1.0, 'beta': 3.0}

    A LogNormal may be given by its median instead of ``mu`` (``mu = log(median)``), the
    natural form for a ROAS prior:

    >>> Prior.model_validate({"dist": "LogNormal", "median": 1.0, "sigma": 0.5})
    Prior(LogNormal(sigma=0.5, mu=0.0))
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    dist: str
    params: dict[str, float]

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and "params" not in data:
            rest = {k: v for k, v in data.items() if k != "dist"}
            if data.get("dist") == "LogNormal" and "median" in rest and "mu" not in rest:
                rest["mu"] = _log_median(rest.pop("median"))
            return {"dist": data.get("dist"), "params": rest}
        return data

    @model_validator(mode="after")
    def _check(self) -> Prior:
        if self.dist not in DISTRIBUTIONS:
            raise ValueError(
                f"unknown distribution {self.dist!r}; choose one of {sorted(DISTRIBUTIONS)}"
            )
        wanted = DISTRIBUTIONS[self.dist]
        missing = [p for p in wanted if p not in self.params]
        extra = [p for p in self.params if p not in wanted]
        if missing or extra:
            raise ValueError(
                f"{self.dist} takes parameters {list(wanted)}; "
                + (f"missing {missing}" if missing else "")
                + ("; " if missing and extra else "")
                + (f"unexpected {extra}" if extra else "")
            )
        for name, value in self.params.items():
            if not math.isfinite(value):
                raise ValueError(f"{self.dist} parameter {name}={value} must be finite")
            if name in _POSITIVE and value <= 0:
                raise ValueError(f"{self.dist} parameter {name}={value} must be > 0")
        if "lower" in self.params and self.params["lower"] >= self.params["upper"]:
            raise ValueError(f"{self.dist} needs lower < upper, got {self.params}")
        return self

    @model_serializer
    def _serialize(self) -> dict[str, Any]:
        return {"dist": self.dist, **self.params}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler) -> dict[str, Any]:
        """JSON Schema of the flat form YAML uses: ``{dist: Beta, alpha: 1, beta: 3}``."""
        variants = [
            {
                "type": "object",
                "title": name,
                "properties": {"dist": {"const": name}} | {p: {"type": "number"} for p in params},
                "required": ["dist", *params],
                "additionalProperties": False,
            }
            for name, params in DISTRIBUTIONS.items()
        ]
        variants.append(
            {
                "type": "object",
                "title": "LogNormal by its median",
                "properties": {
                    "dist": {"const": "LogNormal"},
                    "median": {"type": "number", "exclusiveMinimum": 0},
                    "sigma": {"type": "number"},
                },
                "required": ["dist", "median", "sigma"],
                "additionalProperties": False,
            }
        )
        return {
            "title": "Prior",
            "description": "A prior: `dist` names the distribution, the other keys its parameters.",
            "oneOf": variants,
        }

    @property
    def support(self) -> Support:
        """``"positive"``, ``"unit"`` (0 to 1) or ``"real"``, from the family and its bounds."""
        if self.dist in _SUPPORT:
            return _SUPPORT[self.dist]
        lower, upper = self.params["lower"], self.params["upper"]
        if lower >= 0 and upper <= 1:
            return "unit"
        return "positive" if lower >= 0 else "real"

    def sample(
        self, rng: np.random.Generator, size: int | tuple[int, ...] | None = None
    ) -> np.ndarray:
        """Draw from the prior with numpy, in PyMC's parametrization (no model, no compilation).

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness.
        size : int or tuple of int, optional
            Shape of the result; None draws a single value (a 0-d array).

        Returns
        -------
        ndarray of float
            Independent draws, e.g. to fake a posterior in tests.

        Examples
        --------
        >>> prior("Gamma", alpha=3, beta=2).sample(np.random.default_rng(0), (2, 3)).shape
        (2, 3)
        """
        return np.asarray(_SAMPLERS[self.dist](rng, size, **self.params), dtype=float)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"Prior({self.dist}({args}))"


def _log_median(median: Any) -> Any:
    """``mu`` of a LogNormal with this median; a non-positive median is left for the check."""
    try:
        value = float(median)
    except (TypeError, ValueError):
        return median
    if not value > 0:
        raise ValueError(f"LogNormal median={median} must be > 0 (the median of a positive value)")
    return math.log(value)


def prior(dist: str, **params: float) -> Prior:
    """Shorthand: ``prior("HalfNormal", sigma=2)``."""
    return Prior(dist=dist, params=params)
