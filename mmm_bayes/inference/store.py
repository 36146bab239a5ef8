"""Run folders: the posterior, the resolved spec, the data and its fingerprint, written atomically.

A run folder holds::

    posterior.nc     every DataTree group (posterior, sample_stats, predictive draws), netCDF
    spec.json        the resolved ModelSpec, every default filled in
    sampler.json     the SamplerSettings used
    data.csv         the validated data the model saw (date, KPI, spend, controls)
    manifest.json    data and spec fingerprints, package versions, creation time, file list
    ...              whatever ``extra`` writes (tables, figures)

Everything is written into a hidden temporary folder beside the target, which is renamed into
place only when complete; an existing run is replaced only with ``overwrite=True``, and stays
intact if anything fails before the final rename.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd
import xarray as xr
from pydantic import BaseModel, ValidationError

from mmm_bayes.data import ValidatedData, data_fingerprint, read_table, validate_data
from mmm_bayes.errors import ConfigError, DataError, MMMError
from mmm_bayes.spec import ModelSpec
from mmm_bayes.spec.sampler import SamplerSettings

FORMAT_VERSION = 1
_PACKAGES = ("mmm_bayes", "pymc", "pytensor", "arviz", "nutpie", "numpy", "pandas", "xarray")


@dataclass(frozen=True, eq=False)
class Run:
    """What a run folder holds, loaded back."""

    idata: xr.DataTree
    spec: ModelSpec
    sampler: SamplerSettings
    data: ValidatedData
    manifest: dict


def package_versions() -> dict[str, str]:
    """Return the installed versions of the packages a run depends on."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def save_run(
    folder: str | Path,
    *,
    idata: xr.DataTree,
    spec: ModelSpec,
    sampler: SamplerSettings,
    data: ValidatedData,
    extra: Callable[[Path], None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a run folder atomically and return its path.

    Parameters
    ----------
    folder : str or Path
        The run folder to create.
    idata : xarray.DataTree
        Posterior and any other groups to keep.
    spec, sampler : ModelSpec, SamplerSettings
        The model and sampler settings of the fit.
    data : ValidatedData
        The data the model was fitted to.
    extra : callable, optional
        ``extra(tmp_folder)`` writes more files (tables, figures) before the folder is committed.
    overwrite : bool, default False
        Replace an existing folder. Without it an existing folder is an error.
    """
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise MMMError(
            f"{folder} already exists; pass overwrite=True to replace it, or choose a new folder."
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = _staging_folder(folder.parent, folder.name)
    try:
        _write_contents(tmp, idata=idata, spec=spec, sampler=sampler, data=data)
        if extra is not None:
            extra(tmp)
        _write_json(tmp / "manifest.json", _manifest(tmp, data, spec))
        _commit(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _write_contents(tmp: Path, *, idata, spec, sampler, data: ValidatedData) -> None:
    idata.to_netcdf(tmp / "posterior.nc", engine="h5netcdf")
    (tmp / "spec.json").write_text(spec.model_dump_json(indent=2) + "\n")
    (tmp / "sampler.json").write_text(sampler.model_dump_json(indent=2) + "\n")
    frame = data.frame.copy()
    frame[data.date_col] = frame[data.date_col].dt.strftime("%Y-%m-%d")
    frame.to_csv(tmp / "data.csv", index=False)


def spec_fingerprint(spec: ModelSpec | dict) -> str:
    """Hash a spec as ``spec.json`` holds it: the same for any whitespace or key order.

    The canonical JSON text (sorted keys, no spaces) goes through `data_fingerprint` as a
    one-cell table, so data and spec share one hashing scheme. A dict is taken as parsed
    ``spec.json``; hashing the file's content rather than a re-validated `ModelSpec` keeps the
    fingerprint of an old folder stable when a newer mmm_bayes adds a field with a default.

    Parameters
    ----------
    spec : ModelSpec or dict
        The resolved spec, or ``json.loads`` of its ``spec.json``.

    Returns
    -------
    str
        SHA-256 hex digest (64 characters).
    """
    obj = json.loads(spec.model_dump_json()) if isinstance(spec, ModelSpec) else spec
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    return data_fingerprint(pd.DataFrame({"spec.json": [canonical]}))


def _manifest(tmp: Path, data: ValidatedData, spec: ModelSpec) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": {"fingerprint": spec_fingerprint(spec)},
        "data": {
            "fingerprint": data.fingerprint,
            "date_col": data.date_col,
            "kpi_col": data.kpi_col,
            "channel_cols": list(data.channel_cols),
            "control_cols": list(data.control_cols),
            "spend_cols": list(data.spend_cols),
            "geo_col": data.geo_col,
            "scale_col": data.scale_col,
            "freq": data.freq,
            "rows": len(data.frame),
        },
        "versions": package_versions(),
        "files": sorted(p.name for p in tmp.iterdir()),
    }


def _write_json(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, indent=2) + "\n")


def _staging_folder(parent: Path, name: str) -> Path:
    """Create the hidden folder a run is written into, with the permissions of the umask.

    ``tempfile.mkdtemp`` makes it 0700, and the rename kept the run folder private: others on
    a shared file system (reviewers, Dask workers) could not read it.
    """
    tmp = parent / f".{name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    return tmp


def _commit(tmp: Path, folder: Path) -> None:
    """Rename ``tmp`` to ``folder``; an old ``folder`` is moved aside first, removed after."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{datetime.now(UTC):%Y%m%dT%H%M%S%f}")
        folder.rename(old)
    try:
        tmp.rename(folder)
    except BaseException:
        if old is not None:
            old.rename(folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def load_run(folder: str | Path) -> Run:
    """Read a run folder back, refusing one whose spec or data no longer match the fit.

    Raises
    ------
    MMMError
        If the folder or one of its files is missing, unreadable (truncated netCDF, invalid
        JSON), or was written by a newer format; the message names the file.
    ConfigError
        If ``spec.json`` was changed after the fit (its fingerprint differs from the
        manifest's). Folders saved before spec fingerprints existed skip this check.
    DataError
        If ``data.csv`` was changed after the fit (its fingerprint differs from the manifest's).
    """
    folder = Path(folder)
    manifest = _read_manifest(folder)
    spec = _read_spec(folder / "spec.json", manifest)
    sampler = _validate(
        SamplerSettings, folder / "sampler.json", _read_json(folder / "sampler.json")
    )
    info = manifest["data"]
    frame = read_table(folder / "data.csv")
    data = validate_data(
        frame,
        date_col=info["date_col"],
        kpi_col=info["kpi_col"],
        channel_cols=info["channel_cols"],
        control_cols=info["control_cols"],
        spend_cols=info.get("spend_cols", []),
        media_kinds=spec.media_kinds,
        geo_col=info.get("geo_col"),
        scale_col=info.get("scale_col"),
        source=str(folder / "data.csv"),
    )
    if data.fingerprint != info["fingerprint"]:
        raise DataError(
            f"{folder / 'data.csv'}: the data differ from the data this run was fitted to "
            f"(fingerprint {data.fingerprint[:12]}..., manifest says "
            f"{info['fingerprint'][:12]}...). The posterior belongs to the original data: "
            "restore data.csv, or refit on the new data."
        )
    idata = _read_posterior(folder / "posterior.nc")
    return Run(idata=idata, spec=spec, sampler=sampler, data=data, manifest=manifest)


#: How to mend a damaged file of a run folder, ending every message about one.
_RESTORE = "Restore the file from a backup, or re-run the fit to write a new run folder."


def _read_spec(path: Path, manifest: dict) -> ModelSpec:
    """Read ``spec.json``, refusing one edited after the fit (when the manifest says)."""
    obj = _read_json(path)
    expected = (manifest.get("spec") or {}).get("fingerprint")  # absent in older run folders
    if expected is not None and (got := spec_fingerprint(obj)) != expected:
        raise ConfigError(
            f"{path}: the model spec differs from the spec this run was fitted to "
            f"(fingerprint {got[:12]}..., manifest says {expected[:12]}...). "
            "The posterior belongs to the original spec: restore spec.json, or refit with "
            "the new spec."
        )
    return _validate(ModelSpec, path, obj)


def _read_json(path: Path) -> object:
    """Parse a JSON file of a run folder; an unreadable or invalid one names the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise MMMError(
            f"{path}: invalid JSON at line {error.lineno}, column {error.colno} ({error.msg}); "
            f"the file is truncated or was edited. {_RESTORE}"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise MMMError(f"{path}: cannot read the file ({error}). {_RESTORE}") from None


def _validate[M: BaseModel](model: type[M], path: Path, obj: object) -> M:
    """Validate parsed JSON as ``model``; invalid content names the file and the fields."""
    try:
        return model.model_validate_json(json.dumps(obj))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}" for e in error.errors()
        )
        raise MMMError(f"{path}: not a valid {model.__name__} ({problems}). {_RESTORE}") from None


def _read_posterior(path: Path) -> xr.DataTree:
    """Read ``posterior.nc`` into memory; a truncated or damaged file names the file."""
    try:
        return xr.open_datatree(path, engine="h5netcdf").load()
    except (OSError, ValueError, KeyError) as error:
        raise MMMError(
            f"{path}: cannot read the posterior; the netCDF file is truncated or damaged "
            f"({error}). {_RESTORE}"
        ) from None


def _read_manifest(folder: Path) -> dict:
    if not folder.is_dir():
        raise MMMError(f"{folder}: no such run folder.")
    missing = [
        name
        for name in ("manifest.json", "spec.json", "sampler.json", "data.csv", "posterior.nc")
        if not (folder / name).is_file()
    ]
    if missing:
        raise MMMError(f"{folder}: not a complete run folder; missing {', '.join(missing)}.")
    manifest = _read_json(folder / "manifest.json")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("data"), dict):
        raise MMMError(
            f"{folder / 'manifest.json'}: not a run manifest (no 'data' section). {_RESTORE}"
        )
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise MMMError(
            f"{folder}: written by a newer mmm_bayes (format {manifest['format_version']}); "
            f"this one reads format {FORMAT_VERSION}. Upgrade mmm_bayes to load it."
        )
    return manifest


def save_into_run(
    folder: str | Path, name: str, write: Callable[[Path], None], *, overwrite: bool = False
) -> Path:
    """Write the subfolder ``name`` of an existing run folder atomically; return its path.

    For results computed after the fit (a budget optimization): ``write(tmp)`` fills a hidden
    temporary folder inside the run folder, which is renamed to ``folder / name`` when complete.
    An existing subfolder is replaced only with ``overwrite=True``, and stays intact if the new
    write fails.

    Raises
    ------
    MMMError
        If ``folder`` is not a complete run folder, ``name`` is not a plain folder name or is
        one of the run's own files, or the subfolder exists and ``overwrite`` is False.
    """
    folder = Path(folder)
    manifest = _read_manifest(folder)
    if not name or name != Path(name).name or name.startswith(".") or name in manifest["files"]:
        raise MMMError(
            f"{name!r} cannot name a subfolder of a run folder: use a plain name such as "
            "'optimization' that is not one of the run's files."
        )
    target = folder / name
    if target.exists() and not overwrite:
        raise MMMError(f"{target} already exists; pass overwrite=True to replace it.")
    tmp = _staging_folder(folder, name)
    try:
        write(tmp)
        _commit(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
