"""The instance folder: one deployment's database, graph, caches and secrets.

One machine can serve several municipalities by giving each its own folder.
Resolution order: an explicit path, then ``$ODEKAKE_INSTANCE``, then ``./instance``.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "ODEKAKE_INSTANCE"


def instance_dir(path: str | os.PathLike | None = None, *, create: bool = True) -> Path:
    """Return the instance folder, creating it when asked.

    Parameters
    ----------
    path
        Explicit folder (the ``--instance`` option); falls back to
        ``$ODEKAKE_INSTANCE`` and then ``./instance``.
    create
        Create the folder (and parents) if it does not exist.
    """
    chosen = Path(path or os.environ.get(ENV_VAR) or "instance").expanduser().resolve()
    if create:
        chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def graph_dir(instance: Path) -> Path:
    """Folder holding the built road graph of an instance."""
    return instance / "graph"


def cache_dir(instance: Path) -> Path:
    """Folder holding recomputable caches (matrices, downloads) of an instance."""
    return instance / "cache"


def database_path(instance: Path) -> Path:
    """Path of the instance's SQLite database."""
    return instance / "odekake.db"
