"""The reach-and-frequency figure: one panel per R&F channel, the optimum where the table says."""

import numpy as np
import pytest

from mmm_bayes.analysis import frequency_response, optimal_frequency
from mmm_bayes.errors import DataError
from mmm_bayes.report.figures import plot_frequency_response
from mmm_bayes.spec import ModelSpec
from mmm_bayes.testing import example_inputs, fake_posterior


@pytest.fixture(scope="module")
def results():
    youtube = {
        "name": "youtube",
        "reach_column": "youtube_reach",
        "frequency_column": "youtube_frequency",
        "spend_column": "youtube_spend",
    }
    spec = ModelSpec(kpi="sales", channels=["tv_spend", youtube])
    inputs = example_inputs(spec, "rf_weekly")
    post = fake_posterior(spec, inputs, draws=20, random_seed=1)
    return frequency_response(post, inputs, spec), optimal_frequency(post, inputs, spec)


def test_panel_marks_the_optimum_and_the_band(results):
    response, table = results
    fig = plot_frequency_response(response, optimal=table, kpi_label="sales")
    (ax,) = fig.axes
    assert ax.get_title() == "youtube"
    vertical = [line.get_xdata()[0] for line in ax.get_lines() if len(set(line.get_xdata())) == 1]
    assert table.loc["youtube", "optimal_frequency"] in vertical
    mean_line = next(line for line in ax.get_lines() if line.get_label() == "posterior mean")
    np.testing.assert_allclose(mean_line.get_ydata(), response.mean(("chain", "draw"))[0])


def test_no_channels_is_a_clear_error(results):
    response, _ = results
    with pytest.raises(DataError, match="no reach-and-frequency channels"):
        plot_frequency_response(response.isel(channel=slice(0, 0)))
