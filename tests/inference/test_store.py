import json
import os
import stat

import numpy as np
import pytest
import xarray as xr

from mmm_bayes.errors import ConfigError, DataError, MMMError
from mmm_bayes.inference.store import load_run, save_into_run, save_run
from mmm_bayes.spec import SamplerSettings
from mmm_bayes.testing import fake_fit


@pytest.fixture(scope="module")
def fitted():
    return fake_fit()


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


def test_load_names_a_truncated_posterior(tmp_path, fitted):
    _save(tmp_path / "run", fitted)
    path = tmp_path / "run" / "posterior.nc"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(MMMError, match=r"posterior\.nc: cannot read the posterior.*truncated"):
        load_run(tmp_path / "run")


@pytest.mark.parametrize("name", ["manifest.json", "spec.json", "sampler.json"])
def test_load_names_a_truncated_json_file(tmp_path, fitted, name):
    _save(tmp_path / "run", fitted)
    path = tmp_path / "run" / name
    path.write_text(path.read_text()[:60])
    with pytest.raises(MMMError, match=rf"{name}: invalid JSON at line \d+.*re-run the fit"):
        load_run(tmp_path / "run")


def test_load_names_an_unreadable_file_and_a_manifest_without_data(tmp_path, fitted):
    folder = _save(tmp_path / "run", fitted)
    manifest = folder / "manifest.json"
    text = manifest.read_text()
    manifest.write_bytes(b"\xff\xfe\x00{")  # not UTF-8 text
    with pytest.raises(MMMError, match=r"manifest\.json: cannot read the file .*re-run the fit"):
        load_run(folder)
    manifest.write_text(json.dumps({k: v for k, v in json.loads(text).items() if k != "data"}))
    with pytest.raises(MMMError, match=r"manifest\.json: not a run manifest \(no 'data' section"):
        load_run(folder)


def _edit_spec(folder, edit):
    path = folder / "spec.json"
    spec = json.loads(path.read_text())
    edit(spec)
    path.write_text(json.dumps(spec, indent=2))


def _drop_channel(spec):
    spec["channels"].pop()


def _shorten_carryover(spec):
    spec["adstock"]["l_max"] = 3


@pytest.mark.parametrize("edit", [_drop_channel, _shorten_carryover])
def test_load_refuses_an_edited_spec(tmp_path, fitted, edit):
    _save(tmp_path / "run", fitted)
    _edit_spec(tmp_path / "run", edit)
    with pytest.raises(
        ConfigError, match=r"spec\.json: the model spec differs.*restore spec\.json"
    ):
        load_run(tmp_path / "run")


def test_spec_layout_does_not_matter(tmp_path, fitted):
    spec, _, _ = fitted
    _save(tmp_path / "run", fitted)
    path = tmp_path / "run" / "spec.json"
    path.write_text(json.dumps(json.loads(path.read_text()), indent=4, sort_keys=True))
    assert load_run(tmp_path / "run").spec == spec


def test_folder_without_spec_fingerprint_still_loads(tmp_path, fitted):
    # folders saved before spec fingerprints existed: the check is skipped, nothing else
    _save(tmp_path / "run", fitted)
    path = tmp_path / "run" / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["spec"]
    path.write_text(json.dumps(manifest))
    _edit_spec(tmp_path / "run", _shorten_carryover)
    assert load_run(tmp_path / "run").spec.adstock.l_max == 3
    _edit_spec(tmp_path / "run", lambda spec: spec["adstock"].update(l_max=0))
    with pytest.raises(MMMError, match=r"spec\.json: not a valid ModelSpec \(adstock\.geometric"):
        load_run(tmp_path / "run")


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_run_folders_get_the_umask_permissions_not_private_ones(tmp_path, fitted, umask_022):
    # tempfile.mkdtemp made the staging folder 0700, and the rename kept every run private
    folder = _save(tmp_path / "run", fitted)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "posterior.nc").stat().st_mode) == 0o644
    sub = save_into_run(folder, "optimization", lambda tmp: (tmp / "a.csv").write_text("x\n"))
    assert stat.S_IMODE(sub.stat().st_mode) == 0o755
