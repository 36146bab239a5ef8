"""Exceptions a user can act on: each names what is wrong, where, and how to fix it."""

from __future__ import annotations


class MMMError(Exception):
    """Base class of every error mmm_bayes raises on purpose."""


class DataError(MMMError, ValueError):
    """The data a user supplied cannot be modelled as it is (names the column, row or file)."""


class ConfigError(MMMError, ValueError):
    """A model spec or run configuration is invalid (names the field and the fix)."""


class FitError(MMMError, RuntimeError):
    """Sampling failed, or a result was asked for before a fit."""
