"""Budget optimizations saved in a run folder land in its review report.

A fake posterior (``fake_review``) saved as a run folder, two small optimizations saved into
it, and ``mmm-bayes report`` on the folder: these tests check the wiring (sections, order,
images, names), not the optimum (``tests/optimize`` does).
"""

import base64
import dataclasses
import re

import pytest
from typer.testing import CliRunner

from mmm_bayes.cli.app import EXIT_OK, app
from mmm_bayes.inference.store import save_run
from mmm_bayes.optimize import saved_optimizations
from mmm_bayes.report import html as report_html
from mmm_bayes.report.figures.optimize import optimization_sections

PNG = b"\x89PNG\r\n\x1a\n"
IMG = re.compile(r'<img src="data:image/png;base64,([^"]+)"')


@pytest.fixture(scope="module")
def plans(fake_review):
    mmm = fake_review[0]
    # one start each: the wiring is under test, not the solver; "plan b" moves less budget, so
    # the two sections show different allocations
    default = mmm.optimize_budget(periods=4, n_starts=1)
    capped = mmm.optimize_budget(periods=4, n_starts=1, max_change=0.1)
    return {"optimization": default, "plan b": capped}


@pytest.fixture(scope="module")
def run(fake_review, plans, tmp_path_factory):
    mmm = fake_review[0]
    folder = save_run(
        tmp_path_factory.mktemp("opt-report") / "run",
        idata=mmm.idata, spec=mmm.spec, sampler=mmm.sampler, data=mmm.data,
    )  # fmt: skip
    for name, plan in plans.items():
        mmm.save_optimization(plan, folder, name=name, figures=False)
    return folder


@pytest.fixture(scope="module")
def page(run):
    result = CliRunner().invoke(app, ["report", str(run), "--prior-draws", "10"])
    assert result.exit_code == EXIT_OK, result.output
    return (run / "report.html").read_text(encoding="utf-8")


def _sections(page: str) -> dict[str, str]:
    parts = re.split(r'<section id="([^"]+)">', page)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_saved_optimizations_are_sections_before_the_configuration(page, plans):
    ids = list(_sections(page))
    assert ids[-3:] == ["optimization", "optimization-plan-b", "config"]
    assert '<a href="#optimization">Budget optimization</a>' in page  # in the contents
    assert '<a href="#optimization-plan-b">Budget optimization: plan b</a>' in page
    # the "at a glance" table asks whether the model can be trusted; a plan adds no row
    assert 'href="#optimization' not in page.split('<section id="glance">')[1].split("</section")[0]


def test_each_section_shows_its_own_plan_with_three_images(page, plans):
    sections = _sections(page)
    for sid, plan in zip(["optimization", "optimization-plan-b"], plans.values(), strict=True):
        body = sections[sid]
        uris = IMG.findall(body)
        assert len(uris) == 3  # allocation, response curves, uplift
        assert all(base64.b64decode(u)[:8] == PNG for u in uris)
        for channel, optimal in zip(plan.channels, plan.optimal, strict=True):
            assert f"<td>{channel}</td>" in body and f"<td>{optimal:,.0f}</td>" in body
    assert plans["optimization"].optimal.tolist() != plans["plan b"].optimal.tolist()


def test_report_renders_in_chromium(run, page, open_in_chromium):
    check = open_in_chromium(run / "report.html")
    assert check["errors"] == [] and check["broken"] == []
    assert check["sections"][-3:] == ["optimization", "optimization-plan-b", "config"]
    assert check["headings"][-3:-1] == ["Budget optimization", "Budget optimization: plan b"]
    assert check["scroll_width"] <= 1280


def test_only_complete_visible_subfolders_count(run, tmp_path):
    assert saved_optimizations(run) == ["optimization", "plan b"]  # the default first
    assert saved_optimizations(tmp_path) == [] and saved_optimizations(tmp_path / "none") == []
    for name, files in {".tmp-x": ["result.json", "draws.nc"], "half": ["result.json"]}.items():
        (tmp_path / name).mkdir()
        for f in files:
            (tmp_path / name / f).write_text("{}")
    assert saved_optimizations(tmp_path) == []


def test_ids_stay_unique_when_names_differ_only_in_odd_characters(plans):
    plan = plans["plan b"]
    sections = optimization_sections({"plan b": plan, "plan-b": plan})
    assert [s["id"] for s in sections] == ["optimization-plan-b", "optimization-plan-b-2"]
    assert [s["title"] for s in sections] == [
        "Budget optimization: plan b",
        "Budget optimization: plan-b",
    ]


def test_report_argument_overrides_the_run_folder(fake_review, review_pages, run, plans,
                                                  monkeypatch, tmp_path):  # fmt: skip
    # the content is precomputed and nothing is rendered: only the choice of sections is checked
    mmm, written = fake_review[0], []
    content = review_pages["content"]
    monkeypatch.setattr(mmm, "_report_content", lambda *a: dataclasses.replace(content))
    monkeypatch.setattr(report_html, "write_report", lambda path, c: written.append(c) or path)
    mmm.report(tmp_path / "r.html")  # no run folder: nothing to add
    monkeypatch.setattr(mmm, "folder", run)
    mmm.report(tmp_path / "r.html")  # the folder's, default first
    mmm.report(tmp_path / "r.html", optimizations={"plan b": plans["plan b"]})
    ids = [[s["id"] for s in c.extra_sections] for c in written]
    assert ids == [[], ["optimization", "optimization-plan-b"], ["optimization-plan-b"]]
