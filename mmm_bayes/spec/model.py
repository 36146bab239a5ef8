"""The model spec: channels, transforms, baseline terms and priors, as validated data.

One :class:`ModelSpec` describes a model fully; it round-trips through JSON/YAML unchanged and is
saved with every run. Priors live in the scaled space the model samples in:

- the KPI is divided by its mean over the window, so ``1.0`` is an average period's KPI;
- each channel's spend is divided by its own mean over the window, so ``1.0`` is average spend;
- controls are centred and divided by their standard deviation.

Every default below is weakly informative on that scale.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mmm_bayes.spec.geo import GeoSpec, TimeVaryingSpec
from mmm_bayes.spec.interaction import ChannelInteraction, check_interactions
from mmm_bayes.spec.priors import Prior, prior

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class GeometricAdstock(BaseModel):
    """Carryover with weights ``alpha**lag``, normalized to sum to one."""

    model_config = _FROZEN
    kind: Literal["geometric"] = "geometric"
    l_max: int = Field(8, ge=1, le=104, description="Longest carryover, in periods.")
    alpha: Prior = Field(prior("Beta", alpha=2, beta=3), description="Retention per period.")

    @property
    def priors(self) -> dict[str, Prior]:
        """The parameters this transform samples, by name."""
        return {"alpha": self.alpha}


class DelayedAdstock(BaseModel):
    """Carryover that peaks ``theta`` periods after spend (Jin et al. 2017)."""

    model_config = _FROZEN
    kind: Literal["delayed"] = "delayed"
    l_max: int = Field(8, ge=1, le=104, description="Longest carryover, in periods.")
    alpha: Prior = Field(prior("Beta", alpha=2, beta=3), description="Retention per period.")
    theta: Prior = Field(
        prior("HalfNormal", sigma=1.5), description="Delay of the peak effect, in periods."
    )

    @property
    def priors(self) -> dict[str, Prior]:
        """The parameters this transform samples, by name."""
        return {"alpha": self.alpha, "theta": self.theta}


class HillSaturation(BaseModel):
    """Hill curve ``x**S / (x**S + K**S)`` on adstocked spend in units of mean spend."""

    model_config = _FROZEN
    kind: Literal["hill"] = "hill"
    K: Prior = Field(
        prior("LogNormal", mu=0.0, sigma=0.5),
        description="Half-saturation point, in units of the channel's mean spend.",
    )
    S: Prior = Field(
        prior("Gamma", alpha=6, beta=4),
        description="Shape (slope) of the curve; the default keeps 95% of its mass in 0.55-2.9.",
    )

    @property
    def priors(self) -> dict[str, Prior]:
        """The parameters this transform samples, by name."""
        return {"K": self.K, "S": self.S}


class LogisticSaturation(BaseModel):
    """Logistic curve ``tanh(lam x / 2)`` on adstocked spend in units of mean spend."""

    model_config = _FROZEN
    kind: Literal["logistic"] = "logistic"
    lam: Prior = Field(
        prior("Gamma", alpha=3, beta=2), description="Steepness, per unit of mean spend."
    )

    @property
    def priors(self) -> dict[str, Prior]:
        """The parameters this transform samples, by name."""
        return {"lam": self.lam}


Adstock = Annotated[GeometricAdstock | DelayedAdstock, Field(discriminator="kind")]
Saturation = Annotated[HillSaturation | LogisticSaturation, Field(discriminator="kind")]

#: Channel-level parameters whose priors a channel may override.
ChannelParam = Literal[
    "effect", "roas", "mroas", "contribution_share", "alpha", "theta", "K", "S", "lam"
]

#: The ways a channel's media effect can be given its prior (one per channel; see
#: :meth:`ModelSpec.media_prior_kinds`): the effect at mean spend, the channel's ROAS over the
#: window, its marginal ROAS at current spend, or its share of the window's KPI.
MediaPriorKind = Literal["effect", "roas", "mroas", "contribution_share"]
MEDIA_PRIOR_KINDS: tuple[str, ...] = ("effect", "roas", "mroas", "contribution_share")


class ChannelSpec(BaseModel):
    """One media channel: its media column and any priors that differ from the model's defaults.

    ``column`` is what the model's adstock and saturation act on: spend in currency units, or an
    exposure measure (impressions, clicks, touchpoints) when ``spend_column`` names the spend.
    ROAS, marginal ROAS and response curves are always per currency unit of spend.

    ``priors`` keys are the adstock and saturation parameters (``alpha``, ``theta``, ``K``,
    ``S``, ``lam``) and at most one of the media-effect priors:

    - ``effect``: KPI per period at the channel's mean spend, in units of mean KPI (default);
    - ``roas``: the channel's ROAS over the window, in KPI units per currency unit (the
      model is parameterized so that this parameter *is* the reported ROAS);
    - ``mroas``: marginal ROAS, the extra KPI per extra currency unit at current spend;
    - ``contribution_share``: the channel's share of the window's total KPI (0 to 1).
    """

    model_config = _FROZEN
    name: str = Field(description="Channel name used in results and plots.")
    column: str = Field(
        description=(
            "Media column the model uses: spend in currency units, or exposure (impressions, "
            "clicks) when `spend_column` is set. Leave it out for a reach-and-frequency channel."
        )
    )
    spend_column: str | None = Field(
        None,
        description=(
            "Spend column in currency units when `column` holds exposure rather than spend; "
            "ROAS divides by it. Default: `column` is the spend."
        ),
    )
    reach_column: str | None = Field(
        None,
        description=(
            "Reach column (people reached per period) of a reach-and-frequency channel; set "
            "with `frequency_column` and `spend_column`, and leave `column` out (it becomes "
            "the reach column). The effect is adstock(reach x sat(frequency)) (docs/channels.md)."
        ),
    )
    frequency_column: str | None = Field(
        None,
        description=(
            "Frequency column (average impressions per person reached, >= 1 where reach > 0) "
            "of a reach-and-frequency channel; K, S (or lam) then shape the frequency curve."
        ),
    )
    priors: dict[ChannelParam, Prior] = Field(
        default_factory=dict,
        description=(
            "Priors of this channel that differ from the model's: keys alpha, theta, K, S, "
            "lam, and at most one of effect, roas (KPI per currency unit over the window), "
            "mroas (marginal ROAS) or contribution_share (share of the window's KPI)."
        ),
    )

    @property
    def spend(self) -> str:
        """The spend column: ``spend_column`` if set, else ``column``."""
        return self.spend_column or self.column

    @property
    def is_rf(self) -> bool:
        """Whether the channel is measured by reach and frequency."""
        return self.reach_column is not None

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler) -> dict:
        """JSON Schema: the mapping, or the short form (a column name: name = column = spend)."""
        mapping = handler.resolve_ref_schema(handler(core_schema))
        mapping.pop("required", None)  # name and column default to each other: one is enough
        mapping["anyOf"] = [
            {"required": ["name"]},
            {"required": ["column"]},
            {"required": ["reach_column"]},
        ]
        short = {"type": "string", "description": "A spend column; also the channel's name."}
        return {"anyOf": [short, mapping]}

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data):
        if isinstance(data, str):
            return {"name": data, "column": data}
        if isinstance(data, dict) and data.get("reach_column") is not None:
            return _rf_shorthand(data)
        if isinstance(data, dict) and "column" not in data and "name" in data:
            return {**data, "column": data["name"]}
        if isinstance(data, dict) and "name" not in data and "column" in data:
            return {**data, "name": data["column"]}
        return data


def _rf_shorthand(data: dict) -> dict:
    """Fill a reach-and-frequency channel's ``column`` (its reach) and ``name``; check the set."""
    reach = data["reach_column"]
    name = data.get("name", reach)
    missing = [k for k in ("frequency_column", "spend_column") if data.get(k) is None]
    if missing:
        raise ValueError(
            f"reach-and-frequency channel {name!r} needs {missing} as well as reach_column "
            "(frequency: impressions per person reached; spend: what ROAS divides by)"
        )
    column = data.get("column", reach)
    if column != reach:
        raise ValueError(
            f"reach-and-frequency channel {name!r}: its media are reach_column {reach!r} and "
            f"frequency_column; leave out `column` ({column!r}), or model the channel by that "
            "column alone without reach_column/frequency_column"
        )
    return {**data, "name": name, "column": reach}


class Seasonality(BaseModel):
    """Yearly Fourier seasonality: ``order`` sine/cosine pairs of day-of-year (0 turns it off)."""

    model_config = _FROZEN
    order: int = Field(2, ge=0, le=20, description="Number of Fourier pairs; 0 disables.")
    coef: Prior = Field(prior("Normal", mu=0, sigma=0.2), description="Each Fourier coefficient.")


class Trend(BaseModel):
    """Linear trend over the window: ``slope`` is the KPI change from first to last period."""

    model_config = _FROZEN
    enabled: bool = Field(True, description="Include the linear trend.")
    slope: Prior = Field(
        prior("Normal", mu=0, sigma=0.5),
        description="KPI change from the first to the last period, in units of the mean KPI.",
    )


class NormalLikelihood(BaseModel):
    """Gaussian noise on the scaled KPI."""

    model_config = _FROZEN
    kind: Literal["normal"] = "normal"
    sigma: Prior = Field(
        prior("HalfNormal", sigma=0.2), description="Noise scale, in units of the mean KPI."
    )


class StudentTLikelihood(BaseModel):
    """Student-t noise: robust to outlying periods."""

    model_config = _FROZEN
    kind: Literal["student_t"] = "student_t"
    sigma: Prior = Field(
        prior("HalfNormal", sigma=0.2), description="Noise scale, in units of the mean KPI."
    )
    nu: Prior = Field(
        prior("Gamma", alpha=2, beta=0.1),
        description="Degrees of freedom: small values allow heavy tails (outlying periods).",
    )


Likelihood = Annotated[NormalLikelihood | StudentTLikelihood, Field(discriminator="kind")]


class ModelSpec(BaseModel):
    """Everything that defines a national MMM.

    Examples
    --------
    >>> spec = ModelSpec(kpi="sales", channels=["tv_spend", "search_spend"])
    >>> spec.channel_names
    ('tv_spend', 'search_spend')
    """

    model_config = _FROZEN
    date_col: str = Field("date", description="Date column (one row per period).")
    kpi: str = Field(description="KPI column: sales, conversions, ... in its own units.")
    channels: list[ChannelSpec] = Field(
        min_length=1,
        description=(
            "Media channels: a column name, or a mapping with name, column, spend_column, priors."
        ),
    )
    controls: list[str] = Field(
        default_factory=list,
        description="Control columns (price, promotions, events, ...): numeric, standardized.",
    )
    adstock: Adstock = Field(
        default_factory=GeometricAdstock,
        description="Carryover of media, `kind` geometric or delayed; shared by all channels.",
    )
    saturation: Saturation = Field(
        default_factory=HillSaturation,
        description="Diminishing returns, `kind` hill or logistic; shared by all channels.",
    )
    seasonality: Seasonality = Field(
        default_factory=Seasonality, description="Yearly Fourier seasonality."
    )
    trend: Trend = Field(default_factory=Trend, description="Linear trend over the window.")
    level: Prior = Field(
        prior("Normal", mu=1.0, sigma=0.5),
        description=(
            "KPI level with every channel at its window-average effect, in units of the mean "
            "KPI (so about 1); the baseline intercept is this minus the average media terms."
        ),
    )
    effect: Prior = Field(
        prior("HalfNormal", sigma=0.5),
        description=(
            "Media effect per unit of spend share (sampled as 'effect_rel'): the channel's KPI "
            "per period at its mean spend, in mean-KPI units, divided by its share of mean "
            "total spend. Equal values mean equal ROAS; 1 means the channel returns the "
            "KPI's average per currency unit of all media spend."
        ),
    )
    roas: Prior | None = Field(
        None,
        description=(
            "ROAS prior of every channel that sets no media-effect prior of its own (KPI units "
            "per currency unit over the window, e.g. {dist: LogNormal, median: 1.5, sigma: "
            "0.5}). When set, those channels are parameterized by ROAS instead of `effect`."
        ),
    )
    control_coef: Prior = Field(
        prior("Normal", mu=0, sigma=0.2),
        description="Effect of a one-standard-deviation change of a control, in mean-KPI units.",
    )
    likelihood: Likelihood = Field(
        default_factory=NormalLikelihood,
        description="Noise model, `kind` normal or student_t (robust to outlying periods).",
    )
    interactions: list[ChannelInteraction] = Field(
        default_factory=list,
        description=(
            "Channel overlaps: `{channels: [a, b], overlap_column, coef}` adds a term "
            "coef x (a's saturated media) x (b's), sign free (docs/channels.md)."
        ),
    )
    geo: GeoSpec | None = Field(
        None,
        description=(
            "Hierarchical geo model: `{column: geo, scale_column: population}` fits a panel "
            "with one row per geo and date, geo effects pooled toward national ones "
            "(docs/geo.md)."
        ),
    )
    time_varying: TimeVaryingSpec | None = Field(
        None,
        description=(
            "Time-varying coefficients: `{channels: [tv], intercept: false, method: "
            "random_walk}` (docs/time_varying.md)."
        ),
    )

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Channel names, in spec order."""
        return tuple(c.name for c in self.channels)

    @property
    def channel_columns(self) -> tuple[str, ...]:
        """Media columns the model uses (spend or exposure), in spec order."""
        return tuple(c.column for c in self.channels)

    @property
    def spend_columns(self) -> tuple[str, ...]:
        """Spend columns in currency units, in spec order (the media column if no spend column)."""
        return tuple(c.spend for c in self.channels)

    @property
    def extra_spend_columns(self) -> tuple[str, ...]:
        """Spend columns that are not also media columns (channels measured by exposure)."""
        return tuple(c.spend_column for c in self.channels if c.spend_column is not None)

    @property
    def frequency_columns(self) -> tuple[str, ...]:
        """Frequency columns of the reach-and-frequency channels, in spec order."""
        return tuple(c.frequency_column for c in self.channels if c.frequency_column is not None)

    @property
    def extra_value_columns(self) -> tuple[str, ...]:
        """Columns checked like spend besides the media columns: spend, then frequency columns."""
        return (*self.extra_spend_columns, *self.frequency_columns)

    @property
    def media_kinds(self) -> dict[str, str]:
        """What the reach and frequency columns measure, for data messages: column -> kind."""
        out = {}
        for c in self.channels:
            if c.is_rf:
                out[c.reach_column] = "reach"
                out[c.frequency_column] = "frequency"
        return out

    def data_columns(self) -> dict:
        """Return the data's columns by role: ``validate_data(frame, **spec.data_columns())``.

        Date, KPI, media, controls (with the interactions' overlap columns), the columns checked
        like spend (:attr:`extra_value_columns`), what reach and frequency columns measure, and
        the geo and geo-size columns.
        """
        return {
            "date_col": self.date_col,
            "kpi_col": self.kpi,
            "channel_cols": self.channel_columns,
            "control_cols": (*self.controls, *self.overlap_columns),
            "spend_cols": self.extra_value_columns,
            "media_kinds": self.media_kinds,
            "geo_col": self.geo.column if self.geo else None,
            "scale_col": self.geo.scale_column if self.geo else None,
        }

    @property
    def rf_channels(self) -> tuple[str, ...]:
        """Names of the channels measured by reach and frequency."""
        return tuple(c.name for c in self.channels if c.is_rf)

    def media_priors(self) -> dict[str, list[Prior]]:
        """For each channel-level parameter, one prior per channel (overrides applied).

        ``effect`` lists the effect prior of every channel, whether or not the channel is
        parameterized by it (see :meth:`media_prior_kinds`).
        """
        defaults = {"effect": self.effect, **self.adstock.priors, **self.saturation.priors}
        return {p: [c.priors.get(p, d) for c in self.channels] for p, d in defaults.items()}

    def media_prior_kinds(self) -> list[tuple[str, Prior]]:
        """Per channel: how its media effect gets its prior, and that prior.

        A channel's own ``effect``/``roas``/``mroas``/``contribution_share`` prior wins; else
        the model's ``roas`` prior if set; else the model's ``effect`` prior.
        """
        out = []
        for ch in self.channels:
            own = [k for k in MEDIA_PRIOR_KINDS if k in ch.priors]
            if own:
                out.append((own[0], ch.priors[own[0]]))
            elif self.roas is not None:
                out.append(("roas", self.roas))
            else:
                out.append(("effect", self.effect))
        return out

    @field_validator("controls")
    @classmethod
    def _unique_controls(cls, controls: list[str]) -> list[str]:
        repeated = sorted({c for c in controls if controls.count(c) > 1})
        if repeated:
            raise ValueError(f"control(s) {repeated} are listed more than once; list each once")
        return controls

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, channels: list[ChannelSpec]) -> list[ChannelSpec]:
        for attr in ("name", "column"):
            values = [getattr(c, attr) for c in channels]
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"channel {attr}s must be unique; repeated: {dupes}")
        for c in channels:
            if c.frequency_column is not None and c.reach_column is None:
                raise ValueError(
                    f"channel {c.name!r} sets frequency_column without reach_column; a "
                    "reach-and-frequency channel needs both (and spend_column)"
                )
        columns = [c.column for c in channels]
        freqs = [c.frequency_column for c in channels if c.frequency_column is not None]
        spends = [c.spend_column for c in channels if c.spend_column is not None]
        taken = [*columns, *spends]
        dupes = sorted({v for v in freqs if freqs.count(v) > 1 or v in taken})
        if dupes:
            raise ValueError(
                f"each frequency_column must belong to one channel and differ from every media "
                f"and spend column; repeated: {dupes}"
            )
        dupes = sorted({v for v in spends if spends.count(v) > 1 or v in columns})
        if dupes:
            raise ValueError(
                f"each spend_column must belong to one channel and differ from every media "
                f"column; repeated: {dupes} (leave spend_column out when column is the spend)"
            )
        return channels

    @model_validator(mode="after")
    def _check_priors(self) -> ModelSpec:
        used = {*MEDIA_PRIOR_KINDS, *self.adstock.priors, *self.saturation.priors}
        for ch in self.channels:
            unused = sorted(set(ch.priors) - used)
            if unused:
                raise ValueError(
                    f"channel {ch.name!r} sets priors {unused}, which the model does not use "
                    f"(adstock {self.adstock.kind!r}, saturation {self.saturation.kind!r})"
                )
            kinds = [k for k in MEDIA_PRIOR_KINDS if k in ch.priors]
            if len(kinds) > 1:
                raise ValueError(
                    f"channel {ch.name!r} sets {kinds}: give its media effect one prior "
                    "(effect, roas, mroas or contribution_share)"
                )
        self._check_media_prior_kinds()
        need = {"effect": "positive", "alpha": "unit", "theta": "positive"}
        need |= {"K": "positive", "S": "positive", "lam": "positive"}
        for param, priors in self.media_priors().items():
            families = {p.dist for p in priors}
            if len(families) > 1:
                raise ValueError(
                    f"channels use different distribution families for {param!r} "
                    f"({sorted(families)}); use one family per parameter across channels "
                    "(the parameters of each channel's prior may differ)"
                )
            allowed = {"unit"} if need[param] == "unit" else {"positive", "unit"}
            bad = [p for p in priors if p.support not in allowed]
            if bad:
                raise ValueError(
                    f"prior {bad[0]!r} for {param!r} must have {need[param]} support "
                    "(media effects are non-negative; retention lies in [0, 1])"
                )
        media = {*self.channel_columns, *self.spend_columns}
        clashes = [f"control {self.kpi!r} is the KPI"] if self.kpi in self.controls else []
        if media & set(self.controls):
            both = [c for c in self.controls if c in media]
            clashes.append(f"control(s) {both} are also a channel's column")
        if clashes:
            raise ValueError(
                f"controls: {'; '.join(clashes)}. A column has one role: drop it from controls "
                "(or from channels)"
            )
        check_interactions(self)
        self._check_geo_and_time_varying()
        self._check_rf()
        return self

    def _check_rf(self) -> None:
        """Reach-and-frequency channels: national, `effect` priors, no interactions, no clash."""
        rf = set(self.rf_channels)
        if not rf:
            return
        if self.geo is not None:
            raise ValueError(
                f"reach-and-frequency channels {sorted(rf)} are not available in geo models yet; "
                "model them by impressions (`column: <impressions>`, `spend_column`) or fit a "
                "national model"
            )
        kinds = dict(zip(self.channel_names, (k for k, _ in self.media_prior_kinds()), strict=True))
        other = sorted(c for c in rf if kinds[c] != "effect")
        if other:
            raise ValueError(
                f"reach-and-frequency channel(s) {other} have {kinds[other[0]]!r} priors; they "
                "take `effect` priors for now (KPI per period at mean reach and frequency)"
            )
        paired = sorted({c for i in self.interactions for c in i.channels} & rf)
        if paired:
            raise ValueError(
                f"interactions with reach-and-frequency channel(s) {paired} are not available "
                "yet; remove them from `interactions`"
            )
        clash = set(self.frequency_columns) & {
            self.kpi,
            self.date_col,
            *self.controls,
            *self.overlap_columns,
        }
        if clash:
            raise ValueError(
                f"frequency_column(s) {sorted(clash)} are also the KPI, date, a control or an "
                "overlap column; give each its own column"
            )

    def _check_geo_and_time_varying(self) -> None:
        """Time-varying channels exist and use effect priors; geo models use effect priors."""
        tv = self.time_varying
        kinds = dict(zip(self.channel_names, (k for k, _ in self.media_prior_kinds()), strict=True))
        if tv is not None:
            unknown = [c for c in tv.channels if c not in self.channel_names]
            if unknown:
                raise ValueError(
                    f"time_varying.channels names {unknown}, which are not channels; the "
                    f"channels are {list(self.channel_names)}"
                )
            if len(set(tv.channels)) != len(tv.channels):
                raise ValueError(f"time_varying.channels repeats a channel: {tv.channels}")
            if not tv.channels and not tv.intercept:
                raise ValueError(
                    "time_varying has no channels and intercept is false; name channels, set "
                    "intercept: true, or leave time_varying out"
                )
            other = [c for c in tv.channels if kinds[c] != "effect"]
            if other:
                raise ValueError(
                    f"time-varying channel(s) {other} have {kinds[other[0]]!r} priors; a "
                    "drifting effect has no single ROAS to put a prior on: give them an "
                    "`effect` prior (or none), or make them constant"
                )
        if self.geo is not None:
            other = [c for c, k in kinds.items() if k != "effect"]
            if other:
                raise ValueError(
                    f"geo models take `effect` priors (pooled across geos); channel(s) {other} "
                    f"have {kinds[other[0]]!r} priors. Give them `effect` priors, or fit a "
                    "national model for ROAS priors"
                )
            if self.interactions:
                raise ValueError(
                    "channel interactions are not available in geo models yet; remove "
                    "`interactions` or fit a national model"
                )
            clash = {self.kpi, self.date_col, *self.channel_columns, *self.controls}
            cols = [self.geo.column, self.geo.scale_column]
            if any(c in clash for c in cols if c is not None):
                raise ValueError(
                    f"geo.column/scale_column {cols} must differ from the date, KPI, channel "
                    "and control columns"
                )

    @property
    def overlap_columns(self) -> tuple[str, ...]:
        """Audience-overlap columns of the channel interactions, in order, without repeats."""
        cols = [i.overlap_column for i in self.interactions if i.overlap_column is not None]
        return tuple(dict.fromkeys(cols))

    def _check_media_prior_kinds(self) -> None:
        """One family per media-prior kind; ROAS priors positive, shares within 0-1."""
        by_kind: dict[str, list[tuple[str, Prior]]] = {}
        for ch, (kind, p) in zip(self.channels, self.media_prior_kinds(), strict=True):
            by_kind.setdefault(kind, []).append((ch.name, p))
        for kind, items in by_kind.items():
            families = sorted({p.dist for _, p in items})
            if len(families) > 1:
                raise ValueError(
                    f"channels {[n for n, _ in items]} use different distribution families for "
                    f"their {kind!r} priors ({families}); use one family per kind (the "
                    "parameters of each channel's prior may differ)"
                )
            need = {"unit"} if kind == "contribution_share" else {"positive", "unit"}
            bad = [(n, p) for n, p in items if p.support not in need]
            if bad:
                what = (
                    "lie within 0-1 (e.g. Beta)"
                    if kind == "contribution_share"
                    else ("be positive (e.g. LogNormal, Gamma, HalfNormal)")
                )
                raise ValueError(
                    f"the {kind!r} prior of channel {bad[0][0]!r} ({bad[0][1]!r}) must {what}"
                )
