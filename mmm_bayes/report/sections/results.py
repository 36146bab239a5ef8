"""Sections on what the model says.

Headline, model and data, contributions, ROAS, response curves, adstock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmm_bayes.analysis.decay import decay_table
from mmm_bayes.report.figures import (
    plot_adstock_decay,
    plot_contributions,
    plot_data_overview,
    plot_frequency_response,
    plot_response_curves,
    plot_roas,
    plot_waterfall,
)
from mmm_bayes.report.figures.waterfall import waterfall_totals
from mmm_bayes.report.sections.blocks import (
    compact_ticks,
    figure_block,
    interval,
    num,
    pct,
    table_block,
    text_block,
    zero,
)

if TYPE_CHECKING:
    from mmm_bayes.report.html import ReportContent


def _shares(c: ReportContent) -> dict[str, float]:
    totals = dict(waterfall_totals(c.contributions))
    grand = sum(totals.values())
    return {k: v / grand for k, v in totals.items()}


def section_headline(c: ReportContent) -> dict:
    """Return the headline section: spend, share, ROAS and marginal ROAS."""
    s, shares = c.roas_summary, _shares(c)
    rows = [
        [
            ch,
            num(s.loc[ch, "spend"]),
            pct(shares.get(ch, float("nan"))),
            interval(s.loc[ch, "mean"], s.loc[ch, "q05"], s.loc[ch, "q95"]),
            interval(
                s.loc[ch, "marginal_mean"], s.loc[ch, "marginal_q05"], s.loc[ch, "marginal_q95"]
            ),
        ]
        for ch in s.index
    ]
    return {
        "id": "headline",
        "title": "What the model says",
        "blocks": [
            text_block(
                f"Per channel: spend over the window, share of the fitted {c.kpi}, and return on "
                f"ad spend ({c.kpi} per currency unit) with its 90% interval. Marginal ROAS is "
                "the return of the next currency unit at current spend: below 1 (for a revenue "
                "KPI), more spend would not pay for itself."
            ),
            table_block(
                "Headline results (posterior mean [5%, 95%])",
                ["channel", "spend", f"share of fitted {c.kpi}", "ROAS", "marginal ROAS"],
                rows,
            ),
        ],
    }


def section_model(c: ReportContent) -> dict:
    """Return the model-and-data section: spec summary, data overview, spend."""
    spec, sampler, info = c.spec, c.sampler, c.data_info
    dates = c.observed.index
    sat = spec.saturation.kind
    items = [
        (
            "KPI",
            f"{spec.kpi} (mean {num(c.observed.mean())} per period, total {num(c.observed.sum())})",
        ),
        (
            "Data",
            f"{len(dates)} {c.period_label} from {dates[0]:%Y-%m-%d} to "
            f"{dates[-1]:%Y-%m-%d} (frequency {info.get('freq', '?')})",
        ),
        ("Channels", ", ".join(spec.channel_names)),
        ("Controls", ", ".join(spec.controls) or "none"),
        ("Adstock", f"{spec.adstock.kind}, up to {spec.adstock.l_max} {c.period_label}"),
        ("Saturation", sat),
        ("Seasonality", f"yearly Fourier order {spec.seasonality.order}"),
        ("Trend", "linear" if spec.trend.enabled else "none"),
        ("Likelihood", spec.likelihood.kind),
        (
            "Sampler",
            f"{sampler.sampler} ({sampler.backend}), {sampler.chains} chains x "
            f"{sampler.draws} draws after {sampler.tune} tuning, target_accept "
            f"{sampler.target_accept}, seed {sampler.random_seed}",
        ),
        ("Data fingerprint", str(info.get("fingerprint", "n/a"))),
    ]
    spend = c.spend
    total = spend.sum()
    rows = [
        [
            ch,
            num(total[ch]),
            pct(total[ch] / total.sum()),
            f"{int((spend[ch] > 0).sum())}",
            num(spend[ch].max()),
        ]
        for ch in spend.columns
    ]
    return {
        "id": "model",
        "title": "Model and data",
        "blocks": [
            {"kind": "kv", "items": items},
            figure_block(
                lambda f: plot_data_overview(c.observed, spend, fig=f, kpi_label=c.kpi),
                (10, 5),
                f"{c.kpi} and spend per channel over time",
            ),
            table_block(
                "Spend per channel",
                [
                    "channel",
                    "total spend",
                    "share of spend",
                    f"{c.period_label} with spend",
                    "largest period",
                ],
                rows,
            ),
        ],
    }


def section_contributions(c: ReportContent) -> dict:
    """Return the contributions section: stacked areas and waterfall."""
    totals = waterfall_totals(c.contributions)
    grand = sum(v for _, v in totals)
    rows = [
        [name, num(zero(value, grand)), pct(zero(value / grand, 1.0))] for name, value in totals
    ]
    return {
        "id": "contributions",
        "title": "Contributions",
        "blocks": [
            text_block(
                f"How the fitted {c.kpi} splits into the baseline, trend, seasonality, controls "
                "and each channel (posterior means). Negative pieces (a price control, a "
                "seasonal dip) pull the stack down. Seasonality and the controls are centred "
                "(each control on its mean), so over the whole window they net to about zero: "
                "their effect is the movement over time, which the baseline level absorbs on "
                "average."
            ),
            figure_block(
                lambda f: plot_contributions(
                    c.contributions, ax=f.subplots(), observed=c.observed, kpi_label=c.kpi
                ),
                (10, 5),
                "contributions over time, stacked areas",
            ),
            figure_block(
                lambda f: compact_ticks(
                    plot_waterfall(c.contributions, ax=f.subplots(), kpi_label=c.kpi).figure
                ),
                (10, 4.2),
                "decomposition waterfall",
            ),
            table_block("Totals over the window", ["component", c.kpi, "share"], rows),
        ],
    }


def section_roas(c: ReportContent) -> dict:
    """Return the ROAS section: ROAS and marginal ROAS with intervals."""
    n = c.roas.sizes["channel"]

    def draw(fig):
        left, right = fig.subplots(1, 2, sharey=True)
        plot_roas(c.roas, ax=left, kpi_label=c.kpi)
        plot_roas(c.marginal_roas, ax=right, kpi_label=c.kpi)

    return {
        "id": "roas",
        "title": "Return on ad spend",
        "blocks": [
            text_block(
                "ROAS: the KPI lost if the channel's spend had been zero over the window "
                "(including the carryover after its end), per currency unit spent. Marginal "
                "ROAS: the KPI from 1% more spend in every period, per extra currency unit. "
                "Points are posterior means, bars 90% intervals; the dashed line is break-even "
                "for a revenue KPI."
            ),
            figure_block(
                draw, (12, 1.4 + 0.45 * n), "ROAS and marginal ROAS per channel, 90% intervals"
            ),
        ],
    }


def section_response(c: ReportContent) -> dict:
    """Return the response-curve section, current spend marked."""
    n = c.curves.sizes.get("channel", 1)
    cols = min(3, n)
    size = (4.0 * cols, 3.2 * -(-n // cols))
    return {
        "id": "response",
        "title": "Response curves",
        "blocks": [
            text_block(
                f"Incremental {c.kpi} against total spend over the window when each channel's "
                "spend pattern is scaled up or down; the red point is the current spend. A flat "
                "curve at the red point means the channel is saturated. A reach-and-frequency "
                "channel's curve is a straight line: more spend buys more reach at the same "
                "frequency, and its diminishing returns are in frequency (next section)."
            ),
            figure_block(
                lambda f: compact_ticks(plot_response_curves(c.curves, fig=f, kpi_label=c.kpi)),
                size,
                "response curves with current spend marked",
            ),
        ],
    }


def section_adstock(c: ReportContent) -> dict:
    """Return the adstock section: decay curves and mean lags."""
    table, nch = decay_table(c.decay), c.decay.sizes["channel"]
    rows = [
        [ch, interval(r["mean_lag"], r["mean_lag_q05"], r["mean_lag_q95"]), f"{r['half_life']:.0f}"]
        for ch, r in table.iterrows()
    ]
    return {
        "id": "adstock",
        "title": "Adstock decay",
        "blocks": [
            text_block(
                f"Share of one {c.period_label.rstrip('s')}'s media effect that arrives 0, 1, 2, "
                "... periods later (the weights sum to one)."
            ),
            figure_block(
                lambda f: plot_adstock_decay(c.decay, fig=f, period=c.period_label),
                (2.4 * min(5, nch), 0.6 + 2.4 * -(-nch // 5)),
                "adstock decay curves per channel",
            ),
            table_block(
                "Carryover per channel",
                ["channel", f"mean lag ({c.period_label}) [90%]", "half the effect arrived by lag"],
                rows,
            ),
        ],
    }


_FREQUENCY_COLUMNS = (
    "channel",
    "mean frequency",
    "range seen",
    "optimal",
    "draws' optima (90%)",
    "ROAS at mean",
    "ROAS at optimal",
    "gain",
)


def section_frequency(c: ReportContent) -> dict:
    """Return the reach-and-frequency section: ROAS against frequency and the optimal one."""
    response, table = c.frequency
    n = response.sizes["channel"]
    rows = [
        [ch, num(r["mean_frequency"], 3), f"{num(r['min_seen'], 3)}-{num(r['max_seen'], 3)}",
         num(r["optimal_frequency"], 3), f"{num(r['draw_q05'], 3)}-{num(r['draw_q95'], 3)}",
         num(r["roas_at_mean"], 3), num(r["roas_at_optimal"], 3), pct(r["gain"])]
        for ch, r in table.iterrows()
    ]  # fmt: skip
    return {
        "id": "frequency",
        "title": "Reach and frequency",
        "blocks": [
            text_block(
                f"ROAS ({c.kpi} per currency unit) of each reach-and-frequency channel when its "
                "budget is bought at a given frequency (impressions per person reached): more "
                "frequency means fewer people reached for the same money. The shaded range is "
                "the frequencies the data saw; the optimal frequency is searched only there. A "
                "wide range of the draws' optima means the data hardly pin the frequency curve "
                "down."
            ),
            figure_block(
                lambda f: plot_frequency_response(response, optimal=table, fig=f, kpi_label=c.kpi),
                (4.2 * min(n, 3), 3.2 * -(-n // 3)),
                "ROAS against frequency per reach-and-frequency channel",
            ),
            table_block("Optimal frequency per channel", _FREQUENCY_COLUMNS, rows),
        ],
    }
