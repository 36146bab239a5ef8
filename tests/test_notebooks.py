"""Run every notebook in notebooks/ top to bottom, so none goes stale.

Each notebook is executed in a fresh kernel (the interpreter running the tests), from the
notebooks/ folder, one at a time; a cell that raises fails the test with the cell's traceback.
The notebooks keep their fits small (2 chains, a few hundred draws), so each runs in about a
minute on two quiet cores (about 7-8 minutes for all of them). Marked ``notebooks``, not
``slow``: `make test` runs them, on purpose; `make notebooks` (or ``-m notebooks``) runs only
them, and ``-m "not slow and not notebooks"`` skips them for a quick local run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
#: Seconds one cell may run: a fit takes about a minute on two shared cores; ten is a hang.
CELL_TIMEOUT = 600


def test_there_are_notebooks():
    assert len(PATHS) >= 6, [p.name for p in PATHS]


def test_notebooks_are_stored_without_outputs():
    # outputs (plots as base64 PNG) would bloat the repository; the docs say so
    for path in PATHS:
        nb = nbformat.read(path, as_version=4)
        dirty = [i for i, c in enumerate(nb.cells) if c.get("outputs") or c.get("execution_count")]
        assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    # "python3" is the kernel of the interpreter running the tests (ipykernel's own spec)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    # every notebook shows at least one plot
    images = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert images, f"{path.name} shows no plot"
