"""Report tests draw headless: pick Agg before anything imports pyplot."""

import matplotlib

matplotlib.use("Agg")


# --- the review report: content from a fake posterior, and a headless Chromium ---------------

import html
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

#: Flags for Chromium in a sandbox without network or display (Debian's chromium package).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

#: Injected into a copy of the report: records load errors, then summarizes the page as JSON.
CHECK_SCRIPT = """<script>
window.__errors = [];
window.addEventListener("error", function (e) {
  var t = e.target || {};
  window.__errors.push(String(e.message || t.src || t.href || "error"));
}, true);
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var links = Array.prototype.slice.call(document.querySelectorAll("[src],[href]"));
  var out = {
    errors: window.__errors,
    title: document.title,
    sections: Array.prototype.map.call(document.querySelectorAll("main > section"),
      function (s) { return s.id; }),
    headings: Array.prototype.map.call(document.querySelectorAll("main h2"),
      function (h) { return h.textContent; }),
    images: imgs.length,
    broken: imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
      .map(function (i) { return i.alt; }),
    smallest_image: Math.min.apply(null, imgs.map(function (i) { return i.naturalWidth; })),
    external: links.map(function (e) { return e.getAttribute("src") || e.getAttribute("href"); })
      .filter(function (u) { return /^(https?:)?\\/\\//.test(u); }),
    badges: document.querySelectorAll(".badge").length,
    scroll_width: document.documentElement.scrollWidth,
  };
  var pre = document.createElement("pre");
  pre.id = "__check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chromium():
    path = find_chromium()
    if path is None:
        pytest.skip(
            "no Chromium on PATH: the report's browser test needs Debian's chromium package "
            "(apt-get install chromium); it runs wherever that is installed"
        )
    return path


def _run_chromium(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / "chromium-profile"
    cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def open_in_chromium(chromium, tmp_path):
    """``open_in_chromium(report_path) -> dict``: load a copy of the report, return its check."""

    def run(report: Path) -> dict:
        page = report.read_text(encoding="utf-8")
        checked = tmp_path / "checked.html"
        checked.write_text(page.replace("<head>", "<head>" + CHECK_SCRIPT, 1), encoding="utf-8")
        done = _run_chromium(
            chromium,
            tmp_path,
            "--window-size=1280,1000",
            "--virtual-time-budget=20000",
            "--dump-dom",
            checked.as_uri(),
        )
        start = done.stdout.find('<pre id="__check">')
        assert start >= 0, f"Chromium did not render the page:\n{done.stderr[-2000:]}"
        body = done.stdout[start + len('<pre id="__check">') :]
        return json.loads(html.unescape(body[: body.find("</pre>")]))

    return run


@pytest.fixture
def screenshot(chromium, tmp_path):
    """``screenshot(report_path, height) -> Path``: a PNG of the top ``height`` pixels."""

    def run(report: Path, height: int = 3000) -> Path:
        out = tmp_path / "screenshot.png"
        _run_chromium(
            chromium,
            tmp_path,
            f"--window-size=1280,{height}",
            f"--screenshot={out}",
            report.as_uri(),
        )
        return out

    return run


@pytest.fixture(scope="session")
def fake_review():
    """An MMM holding a fake posterior (prior draws), with validation and stability results."""
    from mmm_bayes import MMM, datasets
    from mmm_bayes.analysis import compare_windows, holdout_folds, validate
    from mmm_bayes.simulate import Truth
    from mmm_bayes.testing import example_spec, fake_posterior, posterior_at, true_values

    spec = example_spec()
    mmm = MMM(spec, sampler={"draws": 100, "chains": 2, "random_seed": 1})
    mmm.data = mmm.check_data(datasets.load("example_weekly"))
    from mmm_bayes.model import build_inputs

    mmm.inputs = build_inputs(spec, mmm.data)
    mmm.idata = fake_posterior(spec, mmm.inputs, chains=2, draws=100, random_seed=3)
    truth = Truth.from_dict(datasets.truth())

    def fit(frame):
        from mmm_bayes.data import validate_data

        data = validate_data(
            frame,
            date_col="date",
            kpi_col="sales",
            channel_cols=spec.channel_columns,
            control_cols=spec.controls,
        )
        inputs = build_inputs(spec, data)
        one = posterior_at(spec, inputs, true_values(spec, inputs, truth))["posterior"]
        post = one.to_dataset().isel(draw=[0] * 200).assign_coords(draw=np.arange(200))
        return xr.DataTree.from_dict({"posterior": post}), inputs

    frame = mmm.data.frame
    validation = validate(frame, mmm.inputs, spec, fit, holdout_folds(len(frame), holdout=13))
    rng = np.random.default_rng(0)
    windows = {
        label: xr.DataArray(
            rng.normal(mu, 0.1, (2, 100, 5)),
            dims=("chain", "draw", "channel"),
            coords={"channel": list(mmm.inputs.channels)},
        )
        for label, mu in (("2023", [1.2, 2.0, 1.0, 0.8, 1.5]), ("2024", [1.2, 2.8, 1.0, 0.8, 1.5]))
    }
    stability = compare_windows(windows)
    calibration = pd.DataFrame(
        {
            "channel": ["search"],
            "start": ["2024-03-04"],
            "end": ["2024-03-31"],
            "spend_delta": [20000.0],
            "spend": [None],
            "lift": [52000.0],
            "lift_se": [9000.0],
            "predicted_mean": [48000.0],
            "predicted_lower_90": [40000.0],
            "predicted_upper_90": [56000.0],
            "predicted_z": [0.35],
        },
        index=pd.Index(["search 2024-03-04..2024-03-31"], name="lift_test"),
    )
    return mmm, validation, stability, calibration


@pytest.fixture(scope="session")
def review_pages(fake_review, tmp_path_factory):
    """The fake review written twice (rendering is the slow part, so once per session).

    ``full``: with validation, stability and calibration, through ``MMM.report``; ``plain``:
    without them, through ``write_report`` and a title that needs escaping.
    """
    from mmm_bayes.report.html import write_report

    mmm, validation, stability, calibration = fake_review
    folder = tmp_path_factory.mktemp("review")
    full = mmm.report(
        folder / "report.html",
        validation=validation,
        stability=stability,
        calibration=calibration,
        prior_draws=100,
    )
    content = mmm._report_content(prior_draws=100, random_seed=0, title="Plain <run>")
    plain = write_report(folder / "plain.html", content)
    return {"full": full, "plain": plain, "content": content}
