"""Errors of the store, built on `routing.errors.InputError`; messages name the row or field."""

from __future__ import annotations

from routing.errors import InputError


class NotFound(InputError):
    """No row with the given id (or external id); the message names it."""


class StorageError(InputError):
    """A write was refused (duplicate key, missing reference); the message says which."""
