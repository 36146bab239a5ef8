"""Statistical validation: recovery on named scenarios and simulation-based calibration.

``python -m mmm_bayes.validation`` (``make validate``) fits every scenario of
:mod:`mmm_bayes.simulate.registry` with several seeds, runs SBC, and writes
``docs/validation.md`` with one figure per scenario; see that page for the results.
"""

from mmm_bayes.validation.recovery import fit_scenario, scenario_spec, score_roas, summarize

__all__ = ["fit_scenario", "scenario_spec", "score_roas", "summarize"]
