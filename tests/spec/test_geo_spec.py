"""GeoSpec: which parameterization the geo levels get by default (docs/geo.md)."""

from mmm_bayes.spec.geo import GeoSpec


def test_geo_levels_are_centered_with_a_scale_column_only():
    # levels of geos scaled by size are pinned down by each geo's series (centered); geos
    # scaled by their own KPI mean all sit at 1, a spread near 0 (non-centered)
    assert GeoSpec(column="geo", scale_column="population").centered_levels
    assert not GeoSpec(column="geo").centered_levels


def test_level_centered_overrides_the_default():
    assert GeoSpec(column="geo", level_centered=True).centered_levels
    spec = GeoSpec(column="geo", scale_column="population", level_centered=False)
    assert not spec.centered_levels
