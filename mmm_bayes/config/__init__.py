"""Run configs in YAML: read, check against the data, write back, and describe as a schema.

>>> from mmm_bayes.config import load_config, check_data
>>> cfg = load_config("configs/example.yaml")   # doctest: +SKIP
>>> data = check_data(cfg)                       # doctest: +SKIP
"""

from mmm_bayes.config.data import (
    check_data,
    frequency_matches,
    load_data,
    load_lift_tests,
    named_columns,
)
from mmm_bayes.config.load import (
    apply_overrides,
    config_paths,
    dump_config,
    load_config,
    parse_config,
)
from mmm_bayes.config.problems import ConfigProblems, Problem, format_path
from mmm_bayes.spec.run import DataConfig, RunConfig

__all__ = [
    "ConfigProblems",
    "DataConfig",
    "Problem",
    "RunConfig",
    "apply_overrides",
    "check_data",
    "config_paths",
    "dump_config",
    "format_path",
    "frequency_matches",
    "load_config",
    "load_data",
    "load_lift_tests",
    "named_columns",
    "parse_config",
]
