"""Posterior analysis: contributions, ROAS, response curves."""
