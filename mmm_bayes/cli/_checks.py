"""Checks of a loaded config that the schema cannot make: what this machine can run."""

from __future__ import annotations

from mmm_bayes.config import ConfigProblems, Problem, RunConfig
from mmm_bayes.inference.samplers import sampler_unavailable


def check_sampler(cfg: RunConfig) -> None:
    """Refuse a config whose sampler needs an optional package that is not installed here.

    Raises
    ------
    ConfigProblems
        At ``sampler.sampler``, naming the missing package and the install command.
    """
    problem = sampler_unavailable(cfg.sampler.sampler)
    if problem is not None:
        source = str(cfg.source or cfg.run_name)
        raise ConfigProblems(source, [Problem(("sampler", "sampler"), problem)])
