"""Seed handling shared by the simulators."""

from __future__ import annotations

import numpy as np


def as_generator(random_seed: int | np.random.Generator) -> np.random.Generator:
    """Return ``random_seed`` if it is a Generator, else ``np.random.default_rng(random_seed)``."""
    if isinstance(random_seed, np.random.Generator):
        return random_seed
    return np.random.default_rng(random_seed)
