"""The scheduler's commands of `odekake`, one module per group of commands.

=========================================================  ==============================
command                                                    module
=========================================================  ==============================
``odekake init``, ``sample load``, ``import``, ``export``  `scheduler.cli.data`
``odekake plan-week``, ``plan diff``, ``plan publish``     `scheduler.cli.plan`
``odekake offer``, ``book``                                `scheduler.cli.booking`
``odekake backup``, ``restore``, ``check``,                `scheduler.cli.safety`
``resident export|forget``, ``audit export``
``odekake closure add|list|remove``                        `scheduler.cli.closures`
``odekake replan DAY``, ``outage VEHICLE``                 `scheduler.cli.replan`
``odekake evidence rebuild``, ``population import``       `scheduler.cli.evidence`
=========================================================  ==============================

`scheduler.cli.common` holds what they share (the instance's store, road
network, the operating-system user). The top-level group, with the other
layers' commands, is assembled in `webapp.cli`.
"""

from __future__ import annotations

import click

from scheduler.cli import booking, closures, data, evidence, plan, replan, safety

__all__ = ["COMMANDS"]

#: Commands registered on the top-level `odekake` group by `webapp.cli`.
COMMANDS: list[click.Command] = [*data.COMMANDS, *plan.COMMANDS, *booking.COMMANDS, *safety.COMMANDS,
                                 *closures.COMMANDS, *replan.COMMANDS, *evidence.COMMANDS]
