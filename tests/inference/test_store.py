import json

import numpy as np
import pytest
import xarray as xr

from mmm_bayes import datasets
from mmm_bayes.data import validate_data
from mmm_bayes.errors import DataError, MMMError
from mmm_bayes.inference.store import load_run, save_run
from mmm_bayes.spec import SamplerSettings
from mmm_bayes.testing import example_spec, fake_posterior


@pytest.fixture(scope="module")
def fitted():
    spec = example_spec()
    data = validate_data(
        datasets.load("example_weekly"),
        date_col=spec.date_col,
        kpi_col=spec.kpi,
        channel_cols=spec.channel_columns,
        control_cols=spec.controls,
    )
    from mmm_bayes.model import build_inputs

    idata = fake_posterior(spec, build_inputs(spec, data), draws=10, random_seed=3)
    return spec, data, idata


def _save(folder, fitted, **kwargs):
    spec, data, idata = fitted
    settings = SamplerSettings(random_seed=7, draws=10)
    return save_run(folder, idata=idata, spec=spec, sampler=settings, data=data, **kwargs)


def test_round_trip_is_exact(tmp_path, fitted):
    spec, data, idata = fitted
    _save(tmp_path / "run", fitted)
    run = load_run(tmp_path / "run")
    assert run.spec == spec
    assert run.sampler == SamplerSettings(random_seed=7, draws=10)
    assert run.data.fingerprint == data.fingerprint
    xr.testing.assert_identical(
        run.idata["posterior"].to_dataset(), idata["posterior"].to_dataset()
    )
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["versions"]["pymc"] != "not installed"
    assert {"posterior.nc", "spec.json", "data.csv"} <= set(manifest["files"])


def test_existing_folder_needs_overwrite(tmp_path, fitted):
    _save(tmp_path / "run", fitted)
    with pytest.raises(MMMError, match="already exists; pass overwrite=True"):
        _save(tmp_path / "run", fitted)
    _save(tmp_path / "run", fitted, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temp or old folders left


def test_failed_write_keeps_the_earlier_run(tmp_path, fitted):
    _save(tmp_path / "run", fitted)
    before = (tmp_path / "run" / "manifest.json").read_text()

    def boom(folder):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        _save(tmp_path / "run", fitted, extra=boom, overwrite=True)
    assert (tmp_path / "run" / "manifest.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_load_refuses_changed_data(tmp_path, fitted):
    _save(tmp_path / "run", fitted)
    csv = tmp_path / "run" / "data.csv"
    lines = csv.read_text().splitlines()
    first = lines[1].split(",")
    first[1] = str(float(first[1]) + 1.0)  # one more unit of KPI in the first week
    lines[1] = ",".join(first)
    csv.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="differ from the data this run was fitted to"):
        load_run(tmp_path / "run")


def test_load_names_missing_files(tmp_path, fitted):
    _save(tmp_path / "run", fitted)
    (tmp_path / "run" / "posterior.nc").unlink()
    with pytest.raises(MMMError, match=r"missing posterior\.nc"):
        load_run(tmp_path / "run")
    with pytest.raises(MMMError, match="no such run folder"):
        load_run(tmp_path / "nowhere")


def test_newer_format_is_refused(tmp_path, fitted):
    _save(tmp_path / "run", fitted)
    path = tmp_path / "run" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 99
    path.write_text(json.dumps(manifest))
    with pytest.raises(MMMError, match="newer mmm_bayes"):
        load_run(tmp_path / "run")


def test_data_csv_keeps_full_precision(tmp_path, fitted):
    _, data, _ = fitted
    _save(tmp_path / "run", fitted)
    back = load_run(tmp_path / "run").data.frame
    np.testing.assert_array_equal(
        back[data.kpi_col].to_numpy(), data.frame[data.kpi_col].to_numpy()
    )
