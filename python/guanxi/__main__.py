"""`python -m guanxi ...`: the `guanxi` command line (guanxi.cli), as the console script runs it."""

import sys

from guanxi.cli import main

sys.exit(main())
