"""Shared fixtures for CLI and batch tests: tiny configs of the bundled example data.

The configs have the structure of ``mmm_bayes.testing.example_spec``, so fits in one test
process share one compiled model.
"""

import textwrap

import pytest

#: Short chains: these tests check plumbing (exit codes, folders, messages), not inference.
TINY_SAMPLER = "sampler: {draws: 20, tune: 20, chains: 2, progressbar: false}"


def tiny_config(folder, name="tiny", *, extra="", output=None):
    """Write ``folder/<name>.yaml`` fitting example_weekly with 20 + 20 draws; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    text = f"""\
        name: {name}
        data: {{dataset: example_weekly, kpi_column: sales}}
        channels:
          - {{name: tv, column: tv_spend}}
          - {{name: search, column: search_spend}}
          - {{name: social, column: social_spend}}
          - {{name: display, column: display_spend}}
          - {{name: radio, column: radio_spend}}
        controls: [price_index, promo]
        {TINY_SAMPLER}
        seed: 1
        output: {output or f"runs/{name}"}
        """
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(text) + extra)
    return path


@pytest.fixture
def make_config(tmp_path):
    def make(name="tiny", **kwargs):
        return tiny_config(tmp_path / "configs", name, **kwargs)

    return make


@pytest.fixture(scope="session")
def write_tiny_config():
    """:func:`tiny_config` itself, for module-scoped fixtures."""
    return tiny_config


#: ``sampler.draws`` that makes :func:`fake_fit` fail, as a sampler would.
FAILING_DRAWS = 31


@pytest.fixture
def fake_fit(monkeypatch):
    """Replace NUTS by prior draws posing as a posterior (``testing.fake_posterior``).

    For tests of plumbing (folders, exit codes, summaries), where sampling is not the point; a
    config with ``sampler.draws == FAILING_DRAWS`` fails like a broken sampler.
    """
    from mmm_bayes.errors import FitError
    from mmm_bayes.mmm import MMM
    from mmm_bayes.spec import SamplerSettings
    from mmm_bayes.testing import fake_posterior

    def fit(self, data, *, lift_tests=None, posterior_predictive=True, **settings):
        settings = SamplerSettings.model_validate(self.sampler.model_dump() | settings)
        settings = settings.for_model(self.spec)
        self.build(data, lift_tests=lift_tests)
        if settings.draws == FAILING_DRAWS:
            raise FitError("sampling with nutpie failed: synthetic failure")
        self.idata = fake_posterior(self.spec, self.inputs, draws=10, random_seed=1)
        self.sampler = settings
        return self.idata

    monkeypatch.setattr(MMM, "fit", fit)
