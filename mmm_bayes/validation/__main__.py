"""``python -m mmm_bayes.validation``: see :mod:`mmm_bayes.validation.run`."""

from mmm_bayes.validation.run import main

raise SystemExit(main())
