"""The README's Python examples run as written (shorter chains) and do what they say."""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_python_examples_run_and_the_budget_example_is_feasible(tmp_path, monkeypatch):
    # the budget example once asked for 600,000 where +/-30% of the example model's spend allows
    # at most 562,545: it raised InfeasibleBudgetError for anyone who copied it
    blocks = python_blocks()
    quick, in_python, budget = blocks[0], blocks[1], blocks[2]
    assert "optimize_budget" in quick and "mmm.save(" in in_python and "total=" in budget
    monkeypatch.chdir(tmp_path)  # the examples write runs/x
    shorter = {"draws=1000, tune=1000": "draws=200, tune=300"}  # the statements, not the speed
    scope: dict = {}
    for block in (quick, in_python, budget):
        for long, short in shorter.items():
            block = block.replace(long, short)
        exec(compile(block, str(README), "exec"), scope)
    plan, mmm = scope["plan"], scope["mmm"]
    table = plan.allocation_table()
    total = float(re.search(r"total=([\d_]+)", budget).group(1).replace("_", ""))
    assert table["optimal"].sum() == pytest.approx(total, rel=1e-6)
    low, high = (float(x.replace("_", "")) for x in re.search(
        r'"tv": \(([\d_]+), ([\d_]+)\)', budget).groups())  # fmt: skip
    assert low - 1e-6 <= table.loc["tv", "optimal"] <= high + 1e-6
    assert np.all(np.abs(table["change_pct"]) <= 30 + 1e-6)  # max_change=0.3
    assert (tmp_path / "runs" / "x" / "posterior.nc").is_file()
    assert (tmp_path / "runs" / "x" / "optimization").is_dir()
    assert mmm.spec.channel_names == ("tv", "search")
