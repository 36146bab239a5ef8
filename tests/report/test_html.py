"""The review report as HTML: every section, embedded figures, escaping, atomic writes."""

import base64
import re

import pytest

from mmm_bayes.errors import MMMError
from mmm_bayes.report.html import ReportPathError, code_spans, write_report

SECTIONS = [
    "headline",
    "model",
    "diagnostics",
    "fit",
    "residuals",
    "contributions",
    "roas",
    "response",
    "adstock",
    "priors",
    "validation",
    "stability",
    "config",
]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def page(review_pages):
    return review_pages["full"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def plain(review_pages):
    return review_pages["plain"].read_text(encoding="utf-8")


def _section_ids(page):
    return re.findall(r'<section id="([a-z]+)">', page)


def test_every_section_in_reading_order(page):
    assert _section_ids(page) == ["glance", *SECTIONS[:-1], "calibration", "config"]
    for heading in (
        "At a glance: can this model be trusted?",
        "Sampler diagnostics",
        "Prior vs posterior",
        "Out-of-sample validation",
        "Full configuration",
    ):
        assert heading in page


def test_figures_are_embedded_pngs_and_nothing_is_fetched(page):
    uris = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    # data, PPC, prior PPC, residuals, spectrum, contributions, waterfall, ROAS, curves,
    # adstock, priors, holdout, stability, lift tests
    assert len(uris) == 14
    assert all(base64.b64decode(u)[:8] == PNG for u in uris)
    assert len(re.findall(r"<img ", page)) == 14
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page and "<link" not in page


def test_verdicts_and_tables_show_the_results(page, fake_review):
    validation = fake_review[1]
    assert page.count('class="badge badge-') >= 6
    assert "Not checked (no sampler statistics)" in page  # a fake posterior has none
    assert validation.verdict.split(":")[0] in page
    assert re.search(r"search \(2023 → 2024: \+0\.[78]\d\)", page)  # the flagged channel
    assert '<th scope="col">measured lift (90%)</th>' in page  # calibration table
    assert "&#34;kind&#34;: &#34;geometric&#34;" in page  # the full config, escaped


def test_missing_results_say_how_to_get_them(plain):
    page = plain
    assert "<title>Plain &lt;run&gt;</title>" in page
    assert "calibration" not in _section_ids(page)
    assert "<code>mmm-bayes validate-holdout RUN --holdout 13</code>" in page
    assert "<code>mmm-bayes stability RUN --windows 2</code>" in page
    assert page.count("badge-skip") >= 4  # glance rows and the two sections


def test_text_is_escaped():
    assert str(code_spans("a <b> & `x<y`")) == "a &lt;b&gt; &amp; <code>x&lt;y</code>"


def test_write_report_is_atomic(review_pages, tmp_path, monkeypatch):
    content = review_pages["content"]
    path = tmp_path / "out" / "report.html"
    path.parent.mkdir()
    path.write_text("<!DOCTYPE html> an earlier report", encoding="utf-8")

    def boom(_content):
        raise RuntimeError("render failed")

    monkeypatch.setattr("mmm_bayes.report.html.render_report", boom)
    with pytest.raises(RuntimeError):
        write_report(path, content)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")  # old file intact
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]


def test_a_folder_is_not_a_report_path(review_pages, tmp_path):
    # an existing folder used to end in IsADirectoryError from the rename
    want = f"{tmp_path} is a folder; the report is one HTML file: give its path, e.g. "
    with pytest.raises(ReportPathError, match=re.escape(want + f"{tmp_path / 'report.html'}")):
        write_report(tmp_path, review_pages["content"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("slash", ["", "/"])
def test_a_path_without_an_extension_is_refused(review_pages, tmp_path, slash):
    # "newdir/" arrives as "newdir" (pathlib drops the slash) and used to become a file "newdir"
    new = tmp_path / "newdir"
    want = f"{new} has no file extension; the report is one HTML file: give its path, e.g. "
    want += f"{new}.html or {new / 'report.html'}"
    with pytest.raises(ReportPathError, match=re.escape(want)):
        write_report(f"{new}{slash}", review_pages["content"])
    assert list(tmp_path.iterdir()) == []


def test_a_path_under_a_file_is_refused_before_rendering(review_pages, tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    monkeypatch.setattr("mmm_bayes.report.html.render_report", pytest.fail)  # never reached
    path = tmp_path / "notes.txt" / "r.html"
    want = f"cannot write the report to {path}: {tmp_path / 'notes.txt'} is a file"
    with pytest.raises(ReportPathError, match=re.escape(want)):
        write_report(path, review_pages["content"])


def test_an_unwritable_path_is_a_report_path_error(review_pages, tmp_path, monkeypatch):
    # e.g. --out /proc/r.html (FileNotFoundError) or a read-only folder (PermissionError)
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr("mmm_bayes.report.html.render_report", lambda content: "<html>")
    monkeypatch.setattr("mmm_bayes.report.html.os.replace", refuse)
    path = tmp_path / "r.html"
    want = f"cannot write the report to {path}: Permission denied"
    with pytest.raises(ReportPathError, match=f"^{re.escape(want)}$") as caught:
        write_report(path, review_pages["content"])
    assert isinstance(caught.value, MMMError) and isinstance(caught.value, OSError)
    assert list(tmp_path.iterdir()) == []  # the temporary file is removed


def test_mmm_report_into_a_folder_is_refused(fake_review, tmp_path):
    with pytest.raises(ReportPathError, match=re.escape(f"{tmp_path} is a folder")):
        fake_review[0].report(tmp_path, prior_draws=10)


def test_report_needs_a_path_without_a_run_folder(fake_review):
    mmm = fake_review[0]
    assert mmm.folder is None
    with pytest.raises(MMMError, match="pass a path"):
        mmm.report()


def test_other_model_kinds_render(tmp_path):
    # delayed adstock, logistic saturation, Student-t noise, no controls, no seasonality, no trend
    from mmm_bayes import MMM, datasets
    from mmm_bayes.testing import example_spec, fake_posterior

    spec = example_spec(
        adstock={"kind": "delayed", "l_max": 5},
        saturation={"kind": "logistic"},
        likelihood={"kind": "student_t"},
        controls=[],
        seasonality={"order": 0},
        trend={"enabled": False},
    )
    mmm = MMM(spec)
    mmm.build(datasets.load("example_weekly"))
    mmm.idata = fake_posterior(spec, mmm.inputs, chains=2, draws=30, random_seed=2)
    page = mmm.report(tmp_path / "r.html", prior_draws=30).read_text(encoding="utf-8")
    assert page.count("<img ") == 11
    assert "delayed, up to 5 weeks" in page and "student_t" in page
    assert ">theta<" not in page  # parameters appear as figure panels, not text
    assert "theta[tv]" in page  # ... and in the prior vs posterior table


def test_unconverged_stability_refits_warn_instead_of_pass(review_pages):
    # the same ROAS in both windows: only the failed refit can make the stability row warn
    import dataclasses

    import numpy as np
    import xarray as xr

    from mmm_bayes.analysis import compare_windows
    from mmm_bayes.report.sections import glance
    from mmm_bayes.report.sections.robustness import section_stability

    rng = np.random.default_rng(0)
    windows = {
        label: xr.DataArray(
            rng.normal([1.2, 2.0], 0.1, (2, 100, 2)),
            dims=("chain", "draw", "channel"),
            coords={"channel": ["tv", "search"]},
        )
        for label in ("2023", "2024")
    }
    stability = compare_windows(windows, diagnosis={"2023": "pass", "2024": "fail"})
    assert not stability.flagged
    content = dataclasses.replace(review_pages["content"], stability=stability)
    row = next(r for r in glance(content) if r["topic"] == "Is ROAS stable over time?")
    assert row["status"] == "warn"
    assert row["text"].startswith("The refits of window(s) 2024 did not converge")
    blocks = section_stability(content)["blocks"]
    assert blocks[0] == {"kind": "verdict", "status": "warn", "text": stability.verdict}
    assert blocks[-1]["caption"] == "Convergence of the window refits"
    assert blocks[-1]["flags"] == [False, True]
    converged = dataclasses.replace(stability, diagnosis={"2023": "pass", "2024": "pass"})
    content = dataclasses.replace(content, stability=converged)
    row = next(r for r in glance(content) if r["topic"] == "Is ROAS stable over time?")
    assert row["status"] == "pass"
