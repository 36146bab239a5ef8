"""One source of truth: the docs table and the JSON Schema come from the models, and every
example config in configs/ validates, with its data, and builds its model."""

import json
from pathlib import Path

import pytest
import yaml

from mmm_bayes.config import check_data, dump_config, load_config, parse_config
from mmm_bayes.config.docs import options_rows, options_table, schema_json, update_docs
from mmm_bayes.model import build_inputs, build_model
from mmm_bayes.spec import RunConfig

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "configs").glob("*.yaml"))


def test_committed_docs_match_the_schema():
    stale = update_docs(REPO / "docs", check=True)
    assert stale == [], "run `python -m mmm_bayes.config.docs` and commit the result"
    assert options_table() in (REPO / "docs" / "config.md").read_text()
    assert (REPO / "docs" / "mmm-bayes.schema.json").read_text() == schema_json()


def test_options_table_covers_every_field():
    keys = {row[0] for row in options_rows()}
    assert set(RunConfig.model_fields) <= keys
    for key in ("data.kpi_column", "channels[].spend_column", "adstock.theta", "saturation.lam",
                "likelihood.nu", "sampler.draws", "trend.slope", "data.categorical"):  # fmt: skip
        assert key in keys
    rows = {row[0]: row for row in options_rows()}
    assert rows["data.kpi_column"][2] == "**required**"
    assert rows["adstock.l_max"][1] == "integer, >= 1 and <= 104"
    assert "*(kind delayed)*" in rows["adstock.theta"][3]
    assert "*(kind geometric, delayed)*" in rows["adstock.l_max"][3]


def test_examples_exist_for_each_model_kind():
    kinds = set()
    for path in EXAMPLES:
        cfg = load_config(path)
        kinds |= {cfg.adstock.kind, cfg.saturation.kind, cfg.likelihood.kind}
    assert kinds == {"geometric", "delayed", "hill", "logistic", "normal", "student_t"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_config_validates_and_builds(path):
    cfg = load_config(path)
    data = check_data(cfg)
    model = build_model(cfg.model, build_inputs(cfg.model, data))
    assert len(model.free_RVs) > 5
    assert cfg.output_path().parent == REPO / "runs"  # examples write under runs/
    assert parse_config(dump_config(cfg), base_dir=path.parent) == cfg  # round trip


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_json_schema_accepts_examples_and_rejects_typos(path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(schema_json())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    raw = yaml.safe_load(path.read_text())
    assert list(validator.iter_errors(raw)) == []
    assert list(validator.iter_errors(raw | {"chanels": []}))  # unknown key
    bad_prior = raw | {"effect": {"dist": "HalfNormal", "mu": 1}}
    assert list(validator.iter_errors(bad_prior))
    # what the schema accepts, the config accepts: the dumped form too
    assert list(validator.iter_errors(load_config(path).model_dump(mode="json"))) == []
