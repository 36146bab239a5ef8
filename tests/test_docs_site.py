"""Build the documentation site strictly (as `make docs` does), so CI catches broken docs.

`mkdocs build --strict` turns every warning into an error: a link to a page or anchor that
does not exist, a page missing from the navigation, a docstring the API reference cannot
parse. The build takes seconds; it goes to a temporary folder, never to site/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings")
pytest.importorskip("material")

ROOT = Path(__file__).resolve().parents[1]


def build(site: Path, config: Path = ROOT / "mkdocs.yml") -> subprocess.CompletedProcess:
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    done = build(site)
    assert done.returncode == 0, done.stdout + done.stderr
    return site


def test_docs_build_strictly(site):
    assert (site / "index.html").is_file()


@pytest.mark.parametrize(
    "page",
    ["getting-started.html", "concepts.html", "model.html", "config.html", "validation.html"],
)
def test_required_pages_are_built(site, page):
    assert (site / page).is_file()


def test_api_reference_renders_docstrings(site):
    html = (site / "api" / "mmm.html").read_text(encoding="utf-8")
    # text from MMM.fit's and MMM.optimize_budget's docstrings, rendered by mkdocstrings
    assert "Fit the model to" in html
    assert "Split a planning window" in html
    assert "Convergence checks with thresholds" in html  # MMM.diagnose, from ReviewMixin
    assert ":meth:" not in html  # Sphinx roles are tidied by the hook


def test_linked_repository_files_are_published(site):
    # docs link ../configs/*.yaml and ../notebooks/*.ipynb; the hook copies them into the site
    assert (site / "repo" / "configs" / "example.yaml").is_file()
    assert sorted(p.name for p in (site / "repo" / "notebooks").glob("*.ipynb"))
    config_html = (site / "config.html").read_text(encoding="utf-8")
    assert 'href="repo/configs/example.yaml"' in config_html


def test_nav_lists_existing_pages_only():
    # pages others are still writing go into the nav only once they exist
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for name in ("geo.md", "time_varying.md"):
        if name in text:
            assert (ROOT / "docs" / name).is_file(), f"mkdocs.yml lists docs/{name}, missing"


def test_strict_build_fails_on_a_broken_link(tmp_path):
    # the check that guards the docs must itself be able to fail
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\nSee [a page](missing.md).\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: t\ndocs_dir: docs\n")
    done = build(tmp_path / "site", config)
    assert done.returncode != 0
    assert "missing.md" in done.stdout + done.stderr
