"""Every kind of model refits with new data without recompiling (``CompiledCache``).

A refit swaps the new data and prior numbers into the compiled model by name. A shared value
that no compiled function reads is unknown to nutpie, so a model must not register one.
"""

import numpy as np
import pytest
from pymc.initial_point import make_initial_point_fn

from mmm_bayes import MMM, datasets
from mmm_bayes.inference.sample import CompiledCache, with_model_data
from mmm_bayes.model import structure_key
from mmm_bayes.simulate.structural import geo_panel
from mmm_bayes.testing import example_spec, value_point

LOGNORMAL = {"dist": "LogNormal", "mu": 0.0, "sigma": 1.0}
EXAMPLE = example_spec().model_dump()
TV = {"name": "tv", "column": "tv_spend"}
LIFT_SPEC = {
    "kpi": "sales",
    "channels": [{"name": c, "column": f"{c}_spend"} for c in ("tv", "online_video", "search")],
    "controls": ["price_index", "promo"],
}
YOUTUBE = {
    "name": "youtube",
    "reach_column": "youtube_reach",
    "frequency_column": "youtube_frequency",
    "spend_column": "youtube_spend",
}
RF_SPEC = {"kpi": "sales", "channels": ["tv_spend", YOUTUBE], "controls": ["promo"]}
GEO_SPEC = {
    "kpi": "sales",
    "channels": ["tv_spend", "search_spend"],
    "controls": ["promo"],
    "geo": {"column": "geo", "per_geo_transforms": True},
    "time_varying": {"channels": ["search_spend"], "method": "knots", "knot_every": 5},
}


def _example(**fields):
    return EXAMPLE | fields, lambda: datasets.load("example_weekly"), None


def _channels(tv_priors):
    return [TV | {"priors": tv_priors}, "search_spend", "radio_spend"]


CASES = {
    "default": _example(),
    "model_roas": _example(roas=LOGNORMAL),
    "channel_roas": _example(channels=_channels({"roas": LOGNORMAL})),
    "channel_mroas": _example(channels=_channels({"mroas": LOGNORMAL})),
    "channel_share": _example(
        channels=_channels({"contribution_share": {"dist": "Beta", "alpha": 2, "beta": 10}})
    ),
    "logistic_delayed_student_t": _example(
        saturation={"kind": "logistic"},
        adstock={"kind": "delayed"},
        likelihood={"kind": "student_t"},
    ),
    "time_varying": _example(time_varying={"channels": ["search"], "knot_every": 13}),
    "lift_tests": (
        LIFT_SPEC,
        lambda: datasets.load("collinear_weekly"),
        "mmm_bayes/datasets/collinear_weekly_lift_tests.csv",
    ),
    "reach_frequency": (RF_SPEC, lambda: datasets.load("rf_weekly"), None),
    "geo": (GEO_SPEC, lambda: geo_panel(random_seed=2, n_weeks=30).data, None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_refit_with_new_data_swaps_it_in_without_recompiling(case):
    spec, load, lift_tests = CASES[case]
    data = load()
    mmm = MMM(spec)
    cache = CompiledCache()
    model = mmm.build(data, lift_tests=lift_tests)
    key = structure_key(mmm.spec, mmm.inputs, mmm.lift)
    cache.get(key, model, "jax")
    (density,) = cache._models.values()

    changed = mmm.build(data.assign(sales=data["sales"] * 1.1), lift_tests=lift_tests)
    assert structure_key(mmm.spec, mmm.inputs, mmm.lift) == key
    cache.get(key, changed, "jax")  # raised for data no compiled function read
    assert cache.compilations == 1
    # the refit scores the changed model: its log density is PyMC's for the new data
    refit = with_model_data(density, changed)
    x = density.initial_point(1)
    point = value_point(changed, x)
    want = changed.compile_logp(mode="FAST_COMPILE")(point)
    np.testing.assert_allclose(np.asarray(refit.logp_and_grad(x, refit.packed))[0], want, rtol=1e-9)
    assert float(density.logp_and_grad(x, density.packed)[0]) != pytest.approx(want)
    # chain workers start from the compiled start function (plus jitter): it must be PyMC's
    # support point, in the sampler's space, for the data and prior numbers swapped in
    point = make_initial_point_fn(model=changed, jitter_rvs=set(), return_transformed=True)(0)
    start = np.concatenate([np.ravel(point[v.name]) for v in changed.value_vars])
    np.testing.assert_allclose(np.asarray(refit.start(refit.packed)), start, rtol=1e-10)
