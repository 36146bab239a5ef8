"""The review report: one self-contained HTML file (figures embedded as base64 PNG, no scripts).

:class:`ReportContent` holds the results a report shows; :func:`render_report` turns them into
HTML through the jinja2 templates in ``report/templates``; :func:`write_report` writes the file
atomically. The content is computed by the facade (``MMM.report``); this module only lays it
out, so a report can also be built from results computed elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd
import xarray as xr
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from mmm_bayes.analysis.ppc import PredictiveCheck
from mmm_bayes.analysis.spectrum import ResidualSpectrum
from mmm_bayes.analysis.stability import StabilityResult
from mmm_bayes.analysis.validation import ValidationResult
from mmm_bayes.errors import MMMError
from mmm_bayes.inference.diagnostics import Diagnosis
from mmm_bayes.report.embed import figure_uri
from mmm_bayes.report.sections import build_sections, glance
from mmm_bayes.spec import ModelSpec, SamplerSettings

__all__ = [
    "ReportContent",
    "ReportPathError",
    "check_report_path",
    "figure_uri",
    "render_report",
    "write_report",
]

TEMPLATES = Path(__file__).parent / "templates"


class ReportPathError(MMMError, OSError):
    """The report cannot be written at the path given (a folder, or a place not writable)."""


@dataclass
class ReportContent:
    """Everything a review report shows.

    Attributes
    ----------
    spec, sampler : ModelSpec, SamplerSettings
        The model and how it was fitted.
    observed : Series
        The observed KPI, indexed by date.
    spend : DataFrame
        Spend per channel (columns), indexed by date.
    data_info : dict
        ``freq``, ``fingerprint`` and other facts about the data, shown as they are.
    diagnosis : Diagnosis
        Convergence checks.
    posterior_check, prior_check : PredictiveCheck
        Posterior and (optional) prior predictive checks.
    residuals : Series
        Observed minus posterior-mean fit, by date.
    spectrum : ResidualSpectrum
        Periodogram of ``residuals``.
    contributions : Dataset
        Contributions per draw (``analysis.contributions``).
    roas, marginal_roas : DataArray
        Per-draw ROAS and marginal ROAS (chain, draw, channel).
    roas_summary : DataFrame
        ``MMM.roas_summary()``: spend, ROAS and marginal ROAS quantiles per channel.
    curves : Dataset
        Response curves (``analysis.response_curves``).
    frequency : (DataArray, DataFrame), optional
        Reach-and-frequency channels: ``analysis.frequency_response`` and
        ``analysis.optimal_frequency``; adds the "Reach and frequency" section.
    decay : DataArray
        Adstock weights (``analysis.adstock_decay``).
    prior_posterior : DataFrame, optional
        ``analysis.prior_posterior_table``.
    validation, stability : optional
        Out-of-sample and time-window results; the report says how to produce them if absent.
    calibration : DataFrame, optional
        Lift-test calibration results; the section is shown only when given.
    extra_sections : list of dict
        Sections laid out elsewhere in the block format of ``mmm_bayes.report.sections``
        (e.g. budget optimizations, ``report.figures.optimize.saved_optimization_sections``),
        shown in order before the configuration.
    period_label : str
        Name of one period, plural (``"weeks"``).
    title, source : str
        Title, and where the run came from (a run folder).
    versions : dict
        Package versions of the fit.
    """

    spec: ModelSpec
    sampler: SamplerSettings
    observed: pd.Series
    spend: pd.DataFrame
    data_info: dict
    diagnosis: Diagnosis
    posterior_check: PredictiveCheck
    residuals: pd.Series
    spectrum: ResidualSpectrum
    contributions: xr.Dataset
    roas: xr.DataArray
    marginal_roas: xr.DataArray
    roas_summary: pd.DataFrame
    curves: xr.Dataset
    decay: xr.DataArray
    prior_check: PredictiveCheck | None = None
    prior_posterior: pd.DataFrame | None = None
    validation: ValidationResult | None = None
    stability: StabilityResult | None = None
    calibration: pd.DataFrame | None = None
    frequency: tuple[xr.DataArray, pd.DataFrame] | None = None
    extra_sections: list[dict] = field(default_factory=list)
    period_label: str = "periods"
    title: str = ""
    source: str = ""
    versions: dict = field(default_factory=dict)

    @property
    def kpi(self) -> str:
        """Name of the KPI column."""
        return self.spec.kpi


def code_spans(text: str) -> Markup:
    """Escape ``text`` for HTML and turn each `backquoted` span into ``<code>``."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["code"] = code_spans
    return env


def render_report(content: ReportContent) -> str:
    """Render the report as one HTML string: every section, figures embedded.

    Returns
    -------
    str
        A complete HTML document that needs no network and no scripts to view.
    """
    try:
        version = metadata.version("mmm_bayes")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "unknown"
    sections = build_sections(content)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=content.title or f"MMM review: {content.kpi}",
            source=content.source,
            created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            version=version,
            glance=glance(content),
            sections=sections,
        )
    )


def check_report_path(path: str | os.PathLike) -> Path:
    """Return ``path`` as a Path if it can name the report's HTML file; raise otherwise.

    A report is one file: an existing folder, or a name without an extension (``"out/"``
    arrives as ``out``), is refused with a suggested file path rather than guessed at.

    Raises
    ------
    ReportPathError
        If ``path`` is an existing folder, has no file extension, or lies under a file.
    """
    path = Path(path)
    if path.is_dir():
        raise ReportPathError(
            f"{path} is a folder; the report is one HTML file: give its path, "
            f"e.g. {path / 'report.html'}"
        )
    if not path.suffix:
        raise ReportPathError(
            f"{path} has no file extension; the report is one HTML file: give its path, "
            f"e.g. {path.with_name(path.name + '.html')} or {path / 'report.html'}"
        )
    above = next((p for p in path.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise ReportPathError(f"cannot write the report to {path}: {above} is a file")
    return path


def write_report(path: str | os.PathLike, content: ReportContent) -> Path:
    """Render the report and write it to ``path`` (temporary file, then renamed).

    Raises
    ------
    ReportPathError
        If ``path`` is not a file path (see :func:`check_report_path`) or cannot be written;
        the message names the path and the reason.

    Examples
    --------
    >>> write_report("runs/demo/report.html", content)   # doctest: +SKIP
    PosixPath('runs/demo/report.html')
    """
    path = check_report_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(path, error) from error
    html = render_report(content)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _unwritable(path, error) from error
        raise
    return path


def _unwritable(path: Path, error: OSError) -> ReportPathError:
    return ReportPathError(f"cannot write the report to {path}: {error.strerror or error}")
