"""The run config: one YAML file describes a whole fit (data, model, sampler, seed and output).

A :class:`RunConfig` is the model spec's fields (channels, controls, adstock, saturation,
seasonality, trend, priors, likelihood) at the top level, plus a ``data`` section (where the
table is and which columns are the date and the KPI), ``sampler`` settings, a ``seed`` and an
``output`` folder. The model fields reuse :class:`~mmm_bayes.spec.ModelSpec`'s own field
definitions, so the two never drift apart; :attr:`RunConfig.model` is the ModelSpec and
:attr:`RunConfig.sampler` the SamplerSettings that the Python API takes::

    cfg = load_config("configs/example.yaml")      # mmm_bayes.config
    mmm = MMM.from_config(cfg)                     # = MMM(cfg.model, sampler=cfg.sampler)

Relative paths (``data.path``, ``output``) start from the folder of the config file when the
config was read from one, and from the current directory otherwise (see :meth:`with_base_dir`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from mmm_bayes.spec.calibration import CalibrationConfig
from mmm_bayes.spec.geo import GeoSpec, TimeVaryingSpec
from mmm_bayes.spec.granular import GranularMedia, SmoothedColumn
from mmm_bayes.spec.interaction import ChannelInteraction
from mmm_bayes.spec.model import (
    Adstock,
    ChannelSpec,
    Likelihood,
    ModelSpec,
    Saturation,
    Seasonality,
    Trend,
)
from mmm_bayes.spec.priors import Prior
from mmm_bayes.spec.sampler import SamplerSettings

__all__ = ["FREQUENCY_WORDS", "DataConfig", "RunConfig"]

_FROZEN = ConfigDict(extra="forbid", frozen=True)
_MODEL = ModelSpec.model_fields  # field definitions shared with ModelSpec (defaults, docs)

#: Words accepted by ``data.frequency`` besides pandas aliases, each with the aliases it accepts.
FREQUENCY_WORDS: dict[str, tuple[str, ...]] = {
    "daily": ("D", "B"),
    "weekly": ("W",),
    "monthly": ("MS", "ME", "M", "BMS", "BME"),
}


class DataConfig(BaseModel):
    """Where the data is, and which columns are the date, the KPI and (later) the geo."""

    model_config = _FROZEN
    path: str | None = Field(
        None,
        description=(
            "CSV (.csv, .csv.gz) or Parquet (.parquet) file with one row per period. A relative "
            "path starts from the config file's folder; `~` and `${VAR}` are expanded. Give "
            "`path` or `dataset`, not both."
        ),
    )
    dataset: str | None = Field(
        None,
        description="A data set bundled with mmm_bayes instead of a file, e.g. `example_weekly`.",
    )
    date_column: str = Field("date", description="Date column: one row per period.")
    kpi_column: str = Field(description="KPI column: sales, conversions, revenue, ...")
    geo_column: str | None = Field(
        None,
        description=(
            "Geo column of geo-level data (one row per geo and date): a geo model with the "
            "default `geo` settings, the same as `geo: {column: ...}` (docs/geo.md)."
        ),
    )
    frequency: str | None = Field(
        None,
        description=(
            "Expected spacing of the dates: a pandas alias (`W-MON`, `D`, `MS`) or `daily`, "
            "`weekly`, `monthly`. Data with other spacing is refused. Default: inferred."
        ),
    )
    categorical: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Text columns to turn into 0/1 indicator columns, as `column: reference level`. "
            "Every other level L gets a column named `column=L` that `controls` can list, "
            "e.g. `events: na` makes `events=event1`, `events=event2`."
        ),
    )

    granular: GranularMedia | None = Field(
        None,
        description=(
            "Granular media rows (per hour or day, channel, placement) aggregated to the "
            "periods of the table and added as columns `<channel>_<metric>` (docs/granular.md)."
        ),
    )
    smooth: list[SmoothedColumn] = Field(
        default_factory=list,
        description=(
            "Columns to smooth into new ones (e.g. a past KPI forecast, as a control): "
            "`{column, name, cutoff_periods, spike_threshold}` (docs/granular.md)."
        ),
    )

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        if (self.path is None) == (self.dataset is None):
            found = f"; found path={self.path!r} and dataset={self.dataset!r}" if self.path else ""
            raise ValueError(
                "give exactly one of `path` (a CSV or Parquet file) and `dataset` (a bundled "
                f"data set such as example_weekly){found}"
            )
        if self.granular is not None and self.granular.path is None:
            raise ValueError("granular.path: name the file of granular media rows")
        return self

    @field_validator("dataset")
    @classmethod
    def _known_dataset(cls, name: str | None) -> str | None:
        from mmm_bayes.datasets import REGISTRY  # imported only when a data set is named

        if name is not None and name not in REGISTRY:
            raise ValueError(f"unknown bundled data set {name!r}; choose one of {sorted(REGISTRY)}")
        return name

    @field_validator("frequency")
    @classmethod
    def _known_frequency(cls, freq: str | None) -> str | None:
        if freq is None or freq in FREQUENCY_WORDS:
            return freq
        from pandas.tseries.frequencies import to_offset  # pandas only when a frequency is set

        try:
            to_offset(freq)
        except ValueError:
            raise ValueError(
                f"unknown frequency {freq!r}; use a pandas alias such as 'W-MON', 'D' or 'MS', "
                f"or one of {sorted(FREQUENCY_WORDS)}"
            ) from None
        return freq


class RunConfig(BaseModel):
    """Everything one fit needs: data, model, sampler settings, seed and output folder.

    The model fields (``channels`` ... ``likelihood``) are those of
    :class:`~mmm_bayes.spec.ModelSpec`, with the same defaults and checks; the KPI and date
    columns are named in ``data``.

    Examples
    --------
    >>> cfg = RunConfig.model_validate({
    ...     "data": {"dataset": "example_weekly", "kpi_column": "sales"},
    ...     "channels": ["tv_spend", "search_spend"],
    ...     "seed": 1,
    ... })
    >>> cfg.model.kpi, cfg.sampler.random_seed
    ('sales', 1)
    """

    model_config = _FROZEN
    name: str | None = Field(
        None,
        description=(
            "Run name, used in batch summaries and the default output folder. Default: the "
            "config file's name without its suffix."
        ),
    )
    data: DataConfig = Field(description="The data table and its date, KPI and geo columns.")
    channels: list[ChannelSpec] = _MODEL["channels"]
    controls: list[str] = _MODEL["controls"]
    adstock: Adstock = _MODEL["adstock"]
    saturation: Saturation = _MODEL["saturation"]
    seasonality: Seasonality = _MODEL["seasonality"]
    trend: Trend = _MODEL["trend"]
    level: Prior = _MODEL["level"]
    effect: Prior = _MODEL["effect"]
    roas: Prior | None = _MODEL["roas"]
    control_coef: Prior = _MODEL["control_coef"]
    likelihood: Likelihood = _MODEL["likelihood"]
    interactions: list[ChannelInteraction] = _MODEL["interactions"]
    geo: GeoSpec | None = _MODEL["geo"]
    time_varying: TimeVaryingSpec | None = _MODEL["time_varying"]
    calibration: CalibrationConfig = Field(
        default_factory=CalibrationConfig,
        description=(
            "Experiments that calibrate the model: `lift_tests` (a CSV file or a list) and "
            "`compare_uncalibrated` (docs/calibration.md)."
        ),
    )
    sampler: SamplerSettings = Field(
        default_factory=SamplerSettings,
        description="NUTS settings (sampler, draws, tune, chains, ...); the seed is `seed`.",
    )
    seed: int | None = Field(
        None,
        description="Random seed of the sampler and predictive draws; none draws fresh entropy.",
    )
    output: str | None = Field(
        None,
        description=(
            "Run folder to write. A relative path starts from the config file's folder. "
            "Default: runs/<name> in the current directory."
        ),
    )
    _base_dir: Path | None = PrivateAttr(None)
    _source: Path | None = PrivateAttr(None)

    def __eq__(self, other: object) -> bool:
        """Equal when every field is, and relative paths start from the same folder."""
        if not isinstance(other, RunConfig):
            return NotImplemented
        return self.__dict__ == other.__dict__ and self.base_dir == other.base_dir

    __hash__ = None  # type: ignore[assignment]  # lists inside: not hashable

    @model_validator(mode="before")
    @classmethod
    def _seed_into_sampler(cls, data: Any) -> Any:
        """Put ``seed`` into the sampler settings; a seed given only there becomes ``seed``."""
        if not isinstance(data, dict):
            return data
        sampler = data.get("sampler", {})
        if isinstance(sampler, SamplerSettings):
            sampler = sampler.model_dump()
        if not isinstance(sampler, dict):
            return data  # the field validator reports the wrong type
        seed, inner = data.get("seed"), sampler.get("random_seed")
        if inner is None and isinstance(seed, int):
            return {**data, "sampler": {**sampler, "random_seed": seed}}
        if seed is None and inner is not None:
            return {**data, "seed": inner}
        return data  # a disagreement is reported once the fields are valid

    @model_validator(mode="after")
    def _valid_model(self) -> RunConfig:
        if self.seed != self.sampler.random_seed:
            raise ValueError(
                f"seed={self.seed!r} and sampler.random_seed={self.sampler.random_seed!r} "
                "disagree; set the seed once, with the top-level `seed` key"
            )
        geo_column = self.data.geo_column
        if geo_column is not None and self.geo is not None and self.geo.column != geo_column:
            raise ValueError(
                f"data.geo_column={geo_column!r} and geo.column={self.geo.column!r} disagree; "
                "name the geo column once (geo.column)"
            )
        try:
            self.model  # noqa: B018 -- runs ModelSpec's cross-field checks
        except ValidationError as err:
            rename = {"kpi": "data.kpi_column", "date_col": "data.date_column"}
            problems = []
            for e in err.errors():
                where = ".".join(rename.get(str(p), str(p)) for p in e["loc"])
                message = e["msg"].removeprefix("Value error, ")
                problems.append(f"{where}: {message}" if where else message)
            raise ValueError("; ".join(problems)) from None
        return self

    @field_serializer("sampler")
    def _sampler_without_seed(self, sampler: SamplerSettings) -> dict[str, Any]:
        return sampler.model_dump(exclude={"random_seed"})

    @property
    def model(self) -> ModelSpec:
        """The model spec the Python API takes: ``MMM(cfg.model, sampler=cfg.sampler)``."""
        fields = {name: getattr(self, name) for name in _MODEL if name in type(self).model_fields}
        if self.geo is None and self.data.geo_column is not None:
            fields["geo"] = GeoSpec(column=self.data.geo_column)
        return ModelSpec(kpi=self.data.kpi_column, date_col=self.data.date_column, **fields)

    @property
    def run_name(self) -> str:
        """``name``, else the config file's name without its suffix, else ``"run"``."""
        if self.name:
            return self.name
        return _stem(self._source) if self._source is not None else "run"

    @property
    def base_dir(self) -> Path:
        """The folder relative paths start from (the config file's, else the current one)."""
        return self._base_dir if self._base_dir is not None else Path.cwd()

    @property
    def source(self) -> Path | None:
        """The config file this config was read from, if any."""
        return self._source

    def data_path(self) -> Path | None:
        """Return ``data.path`` resolved (``~``, ``${VAR}``, from :attr:`base_dir`), or None."""
        if self.data.path is None:
            return None
        return self._resolve(self.data.path)

    def lift_tests_source(self):
        """Return the lift tests to fit with: a resolved CSV path, the inline list, or None."""
        tests = self.calibration.lift_tests
        if isinstance(tests, str):
            return self._resolve(tests)
        return list(tests) or None

    def output_path(self) -> Path:
        """Return the run folder: ``output`` resolved, or ``runs/<run_name>`` under the cwd."""
        if self.output is None:
            return Path.cwd() / "runs" / self.run_name
        return self._resolve(self.output)

    def with_base_dir(self, base_dir: str | Path, *, source: str | Path | None = None) -> RunConfig:
        """Return a copy whose relative paths start from ``base_dir`` (and remember ``source``)."""
        out = self.model_copy()
        out._base_dir = Path(base_dir).resolve()
        out._source = Path(source) if source is not None else self._source
        return out

    def _resolve(self, path: str) -> Path:
        expanded = Path(os.path.expanduser(os.path.expandvars(path)))
        full = expanded if expanded.is_absolute() else self.base_dir / expanded
        return Path(os.path.normpath(full))  # "configs/../runs" -> "runs"; symlinks kept


def _stem(path: Path) -> str:
    """Return a config file's name without ``.yaml``, ``.yml`` or ``.json``."""
    name = path.name
    for suffix in (".yaml", ".yml", ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem
