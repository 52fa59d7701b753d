"""``python -m scheduler solve|validate``: the routing engine's command line (`scheduler.vrp.cli`)."""

import sys

from scheduler.vrp.cli import main

if __name__ == "__main__":
    sys.exit(main())
