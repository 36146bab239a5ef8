"""Imports point down: a layer may not import from the layers above it."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mmm_bayes"
# layer -> packages it must never import (those above it, and plotting below report)
FORBIDDEN = {
    "transforms": {"mmm_bayes", "matplotlib", "pymc", "pandas", "xarray"},
    "spec": {"mmm_bayes.model", "mmm_bayes.inference", "mmm_bayes.analysis", "mmm_bayes.report"},
    "data": {"mmm_bayes.model", "mmm_bayes.inference", "mmm_bayes.analysis", "mmm_bayes.report"},
    "model": {"mmm_bayes.inference", "mmm_bayes.analysis", "mmm_bayes.report", "matplotlib"},
    "inference": {"mmm_bayes.analysis", "mmm_bayes.report", "mmm_bayes.mmm", "matplotlib"},
    "analysis": {"mmm_bayes.report", "mmm_bayes.mmm", "matplotlib"},
    # config files and batch runs sit above the facade's inputs, below the CLI
    "config": {
        "mmm_bayes.model",
        "mmm_bayes.inference",
        "mmm_bayes.analysis",
        "mmm_bayes.report",
        "mmm_bayes.mmm",
        "mmm_bayes.batch",
        "mmm_bayes.cli",
        "pymc",
        "matplotlib",
    },
    "batch": {"mmm_bayes.cli", "mmm_bayes.report", "matplotlib"},
    # the validation runner fits scenarios through the facade and writes docs: below the CLI
    "validation": {"mmm_bayes.batch"},
    # the optimizer sits beside analysis: figures of its results live in report/
    "optimize": {"mmm_bayes.report", "mmm_bayes.mmm", "matplotlib"},
}
# nothing below the CLI imports it, and the spec and data layers know nothing of config files
for _layer in ("spec", "data"):
    FORBIDDEN[_layer] = FORBIDDEN[_layer] | {"mmm_bayes.config", "mmm_bayes.batch"}
for _layer in FORBIDDEN:
    FORBIDDEN[_layer] = FORBIDDEN[_layer] | {"mmm_bayes.cli"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down(layer):
    bad = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            own = name.startswith(f"mmm_bayes.{layer}")
            if not own and any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not bad, bad
