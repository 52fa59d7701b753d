"""The audit log from the web app: who looked at or changed which residents' data (ids only)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import request
from flask_login import current_user

from scheduler.accounts import AuditEntry
from webapp.db import get_store

__all__ = ["record"]


def record(action: str, subject: str, ids: Iterable[int | None]) -> None:
    """Append who (the logged-in user), when, what and which ids to the audit log.

    Call it from every view that shows residents' personal data (``view``,
    ``search``) or changes a record (``change``); nothing is written when no
    id is involved.

    Parameters
    ----------
    action
        ``view``, ``search`` or ``change``.
    subject
        What the ids are: ``resident``, ``request`` ...
    ids
        The records shown or changed.
    """
    kept = tuple(sorted({int(i) for i in ids if i is not None}))
    if not kept:
        return
    get_store().audit(AuditEntry(user=current_user.login, action=action, subject=subject,
                                 subject_ids=kept, where=request.endpoint or ""))
