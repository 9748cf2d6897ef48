"""``python -m kith``: the same command line as ``kith``."""

from kith.cli import main

if __name__ == "__main__":
    main()
