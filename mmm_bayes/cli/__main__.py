"""``python -m mmm_bayes.cli``: the same as the ``mmm-bayes`` command."""

from mmm_bayes.cli.app import main

if __name__ == "__main__":
    main()
