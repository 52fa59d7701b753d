"""Write files atomically: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from routing.errors import InputError

__all__ = ["read_settings_json", "write_atomic"]


def write_atomic(path: str | os.PathLike, data: str | bytes, *, mode: int | None = None) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, then rename it.

    The temporary file is flushed to disk before it replaces `path`, and it is
    removed again when anything fails, so an error never leaves a half-written
    target or a stray temporary file behind.

    Parameters
    ----------
    path
        The file to create or replace; missing parent folders are created.
    data
        The content; text is written as UTF-8, line endings as given.
    mode
        Permission bits of the new file (e.g. ``0o644``); default: readable
        and writable by the owner only (exports may hold personal data).

    Returns
    -------
    Path
        The written file.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_settings_json(path: str | os.PathLike) -> Any:
    """Return the parsed contents of an instance's settings file (``speeds.json``, ``network.json``).

    Raises
    ------
    routing.errors.InputError
        ``<path>: not a readable JSON file (...)`` when it cannot be read or parsed.
    """
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path}: not a readable JSON file ({exc})"
        raise InputError(msg) from None
