"""``python -m apivideo``: the same command line as the ``apivideo`` console script."""

import sys

from apivideo.cli import main

if __name__ == "__main__":
    sys.exit(main())
