"""``python -m webapp.cli``: the `odekake` command without the console script."""

import sys

from webapp.cli import main

sys.exit(main())
