"""Shared pieces of the optimizer tests: headless plotting, response builders, the example truth."""

import matplotlib

matplotlib.use("Agg")

import pytest

from mmm_bayes import datasets
from mmm_bayes.simulate import Truth
from mmm_bayes.testing import example_inputs, example_spec


@pytest.fixture(scope="session")
def spec():
    return example_spec()


@pytest.fixture(scope="session")
def inputs(spec):
    return example_inputs(spec)


@pytest.fixture(scope="session")
def truth():
    return Truth.from_dict(datasets.truth("example_weekly"))
