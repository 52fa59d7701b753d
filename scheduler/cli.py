"""Planning commands of `odekake` (init, sample, plan-week, import, export)."""

from __future__ import annotations

import click

# Commands registered on the top-level `odekake` group by webapp.cli.
COMMANDS: list[click.Command] = []
