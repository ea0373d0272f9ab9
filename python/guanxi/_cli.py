"""Entry point of the `guanxi` console script installed by pip: the command line of guanxi.cli."""

import sys

from guanxi.cli import main as run


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
