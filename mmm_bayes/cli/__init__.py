"""The ``mmm-bayes`` command line: typer app in :mod:`mmm_bayes.cli.app`, one module per command."""
