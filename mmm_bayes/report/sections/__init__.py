"""The report's sections as plain data: text, verdicts, key-value lists, tables and figures.

Each ``section_*`` function turns part of a :class:`~mmm_bayes.report.html.ReportContent`
into a dict ``{"id", "title", "blocks"}``; a block is one of

- ``{"kind": "text", "text": str}``
- ``{"kind": "verdict", "status": "pass"|"warn"|"fail"|"skip", "text": str}``
- ``{"kind": "kv", "items": [(key, value), ...]}``
- ``{"kind": "table", "caption": str, "columns": [...], "rows": [[...]], "flags": [bool]}``
- ``{"kind": "figure", "uri": data URI, "alt": str, "caption": str}``
- ``{"kind": "pre", "text": str}``

and the template renders each kind with one macro. Numbers are formatted here, so the
template only lays out strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmm_bayes.report.sections.checks import (
    section_diagnostics,
    section_fit,
    section_priors,
    section_residuals,
)
from mmm_bayes.report.sections.glance import glance
from mmm_bayes.report.sections.results import (
    section_adstock,
    section_contributions,
    section_frequency,
    section_headline,
    section_model,
    section_response,
    section_roas,
)
from mmm_bayes.report.sections.robustness import (
    section_calibration,
    section_config,
    section_stability,
    section_validation,
)

if TYPE_CHECKING:
    from mmm_bayes.report.html import ReportContent

__all__ = ["build_sections", "glance"]


def build_sections(c: ReportContent) -> list[dict]:
    """Every section of the report, in reading order."""
    sections = [
        section_headline(c),
        section_model(c),
        section_diagnostics(c),
        section_fit(c),
        section_residuals(c),
        section_contributions(c),
        section_roas(c),
        section_response(c),
        section_adstock(c),
    ]
    if c.frequency is not None:  # reach and frequency: right after the response curves
        sections.insert(-1, section_frequency(c))
    if c.prior_posterior is not None:
        sections.append(section_priors(c))
    sections += [section_validation(c), section_stability(c)]
    if c.calibration is not None:
        sections.append(section_calibration(c))
    sections += c.extra_sections
    sections.append(section_config(c))
    return sections
