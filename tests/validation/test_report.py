import json

import numpy as np
import pandas as pd

from mmm_bayes.validation.report import write_page


def _rows(scenario, spec, seeds, channels, covered, feature="national"):
    out = []
    for seed in range(seeds):
        for c in channels:
            out.append({
                "channel": c, "true": 2.0, "mean": 2.1, "q05": 1.5, "q25": 1.9, "q75": 2.3,
                "q95": 2.7, "rel_error": 0.05, "cover50": True, "cover90": covered,
                "scenario": scenario, "spec": spec, "seed": seed, "controls": "promo",
                "feature": feature, "fit_s": 3.0, "divergences": 0, "max_rhat": 1.004,
                "min_ess_bulk": 500.0, "min_ess_tail": 450.0,
            })  # fmt: skip
    return out


def test_page_is_built_from_the_files_on_disk(tmp_path):
    folder = tmp_path / "validation"
    folder.mkdir()
    rows = _rows("baseline", "right", 4, ["tv", "search", "social"], True)
    rows += _rows("omitted_confounder", "wrong", 2, ["tv", "search", "social"], False)
    # a national fit of the geo panel from a run before issue 9 (label "right"), and a geo fit
    rows += _rows("geo_panel", "right", 1, ["tv", "search", "social"], False, feature="geo")
    rows += _rows("geo_panel", "geo_model", 1, ["tv", "search", "social"], True, feature="geo")
    pd.DataFrame(rows).to_csv(folder / "recovery.csv", index=False)
    rng = np.random.default_rng(0)
    ranks = pd.DataFrame({"sigma": rng.integers(0, 100, 40), "level": rng.integers(0, 100, 40)})
    ranks.assign(variant="correct").to_csv(folder / "sbc_ranks.csv", index=False)
    fits = pd.DataFrame({"sim": range(40), "fit_s": 2.0, "divergences": 0, "variant": "correct"})
    fits.to_csv(folder / "sbc_fits.csv", index=False)
    info = {"n_sims": 40, "draws": 300, "tune": 300, "chains": 2, "n_keep": 99, "bins": 5,
            "fit_priors": {}, "wall_s": 80.0}  # fmt: skip
    (folder / "sbc_settings.json").write_text(json.dumps({"correct": info}))
    page = write_page(tmp_path).read_text()
    # 4 seeds x 3 channels, every 90% interval covering: the count is stated
    assert "12 of 12 channel-fits (100%)**, outside the target range 85%-95%" in page
    # 12 of 12 is uncertain: Jeffreys' interval reaches down to beta.ppf(0.05, 12.5, 0.5) = 85%
    assert "Jeffreys 90% interval of the share 85%-100%" in page
    assert "| omitted_confounder | search | wrong | promo |" in page
    # the side-by-side rows name the channel's lean in the baseline (here 5%: 2.1 against 2.0)
    assert "| omitted_confounder | search | wrong | promo | 2.00 | 2.10 | 5% | 0/2 | 5% |" in page
    assert "not yet available" not in page
    assert "Fitted with the hierarchical geo model on the panel (spec `geo_model`" in page
    # the old national fit is shown as national_sums beside the geo model, never as "right"
    assert "| geo_panel | tv | national_sums | promo | 2.00 | 2.10 | 5% | 0/1 |" in page
    assert "| geo_panel | tv | geo_model | promo | 2.00 | 2.10 | 5% | 1/1 |" in page
    assert "| geo_panel | right |" not in page
    assert "### SBC: correct" in page and "40 simulations" in page
    assert (folder / "baseline.png").stat().st_size > 1000
    assert (folder / "omitted_confounder.png").is_file() and (folder / "sbc_correct.png").is_file()
    assert not (folder / "mediator.png").exists()  # not fitted: no figure, and the page says so
    assert "Not fitted in this run." in page
