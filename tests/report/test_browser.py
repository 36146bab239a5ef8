"""The review report opened in a real headless Chromium: sections, images, no errors.

Skipped, with the reason, where no Chromium is installed (Debian: ``apt-get install
chromium``).
"""

from PIL import Image

SECTIONS = [
    "glance",
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
    "calibration",
    "config",
]


def test_report_renders_in_chromium(review_pages, open_in_chromium, screenshot):
    path = review_pages["full"]
    check = open_in_chromium(path)
    assert check["errors"] == []
    assert check["sections"] == SECTIONS
    assert check["title"] == "MMM review: sales"
    assert check["images"] == 14 and check["broken"] == []
    assert check["smallest_image"] >= 300  # every figure decoded at its real size
    assert check["external"] == []
    assert check["badges"] >= 10
    assert check["scroll_width"] <= 1280  # nothing forces a horizontal scroll bar
    shot = Image.open(screenshot(path, height=1400)).convert("L")
    assert shot.size == (1280, 1400)
    lo, hi = shot.getextrema()
    assert hi - lo > 200  # text and figures drawn, not a blank page


def test_report_without_optional_results_renders(review_pages, open_in_chromium):
    check = open_in_chromium(review_pages["plain"])
    assert check["errors"] == [] and check["broken"] == []
    assert check["title"] == "Plain <run>"
    assert "calibration" not in check["sections"]
    assert check["images"] == 11  # no holdout and no stability figure
