"""Building blocks of the report's sections: number formats and block constructors."""

from __future__ import annotations

import math

import pandas as pd

from mmm_bayes.report.embed import figure_uri

__all__ = [
    "compact_ticks",
    "day",
    "figure_block",
    "interval",
    "num",
    "pct",
    "table_block",
    "text_block",
    "verdict_block",
    "zero",
]


def num(x: float, digits: int = 3) -> str:
    """Format a number with ``digits`` significant digits and thousands separators."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    x = float(x)
    if x != 0 and abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    return f"{x:,.{digits}g}" if x != 0 else "0"


def pct(x: float, digits: int = 1) -> str:
    """Format a fraction as a percentage (never "-0.0%")."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    return f"{round(float(x), digits + 2) + 0.0:.{digits}%}"


def day(ts) -> str:
    """Format a date as YYYY-MM-DD with non-breaking hyphens (a table never wraps inside it)."""
    return f"{pd.Timestamp(ts):%Y-%m-%d}".replace("-", "\u2011")


def interval(mean: float, lo: float, hi: float) -> str:
    """``mean [lo, hi]``."""
    return f"{num(mean)} [{num(lo)}, {num(hi)}]"


def _cell(value) -> str | dict:
    return value if isinstance(value, dict) else str(value)


def table_block(caption, columns, rows, flags=None) -> dict:
    """Return a table block; ``flags`` marks rows to highlight."""
    return {
        "kind": "table",
        "caption": caption,
        "columns": list(columns),
        "rows": [[_cell(c) for c in r] for r in rows],
        "flags": list(flags) if flags is not None else [False] * len(rows),
    }


def figure_block(draw, size, alt, caption="") -> dict:
    """Return a figure block: ``draw(fig)`` rendered to an embedded PNG."""
    return {"kind": "figure", "uri": figure_uri(draw, size), "alt": alt, "caption": caption}


def text_block(text: str) -> dict:
    """Return a paragraph block (`backquoted` spans become code)."""
    return {"kind": "text", "text": text}


def verdict_block(status: str, text: str) -> dict:
    """Return a verdict block: a status badge and one sentence."""
    return {"kind": "verdict", "status": status, "text": text}


def zero(value: float, scale: float, rel: float = 1e-6) -> float:
    """``value``, or exactly 0.0 when it is below ``rel`` of ``scale`` (floating-point dust)."""
    return 0.0 if abs(value) <= rel * abs(scale) else value


def compact_ticks(fig) -> None:
    """Write large numeric tick values as 1.2M / 350k on every axes of ``fig``.

    Only axes with matplotlib's plain numeric formatter change: dates, category labels and
    log scales keep theirs.
    """
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    def fmt(x, _pos):
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(x) >= div:
                return f"{x / div:g}{suffix}"
        return f"{x:g}"

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(FuncFormatter(fmt))
                axis.offsetText.set_visible(False)
