"""Entry point of the `guanxi` console script installed by pip: runs the bundled C++ CLI."""

import os
import sys


def main() -> None:
    binary = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "guanxi")
    if not os.access(binary, os.X_OK):
        sys.stderr.write(f"guanxi: error: the command-line tool is not installed with this package ({binary})\n")
        raise SystemExit(2)
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
