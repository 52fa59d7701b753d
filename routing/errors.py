"""Error hierarchy shared by every odekake layer.

Every error a user can cause (bad file, bad row, point off the road) derives
from `InputError`; command-line entry points print its message as one line and
exit with status 2, the web layer turns it into a 400 answer.

An `InputError` made with `InputError.of` (or the ``field``/``template``/``params``
keywords) also keeps its parts: the field it names, the problem as an English
template with named placeholders (``"{count} characters; at most {limit}"``) and
the values that fill it. ``str(exc)`` stays the English line ``field: problem``
(command line, logs, the API's ``error``); the web app words the same parts in
the screen's language (`webapp.messages`), so no layer below it knows any
language but English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class OdekakeError(Exception):
    """Base of all errors odekake raises on purpose."""


class InputError(OdekakeError, ValueError):
    """Bad input from a user: the message names the file, row, field or point.

    Attributes
    ----------
    field
        The field, column or point the message names ("" when it names none).
    template
        The problem in English with ``{name}`` placeholders ("" for a message made whole).
    params
        The values of the placeholders; a value may itself be an `InputError` (a cause), or a
        list of them (read joined with "; "), worded in turn where the message is translated.
    """

    def __init__(self, message: str = "", *, field: str = "", template: str = "",
                 params: Mapping[str, Any] | None = None) -> None:
        params = dict(params or {})
        if template and not message:
            message = english(field, template, params)
        super().__init__(message)
        self.field, self.template, self.params = field, template, params

    @classmethod
    def of(cls, field: str, template: str, /, **params: Any) -> InputError:
        """Return the error naming `field` with the problem `template` filled from `params`."""
        return cls(field=field, template=template, params=params)


def english(field: str, template: str, params: Mapping[str, Any]) -> str:
    """Return the English line of an error's parts: ``field: problem`` (just the problem without a field)."""
    problem = template.format(**{k: _plain(v) for k, v in params.items()})
    return f"{field}: {problem}" if field else problem


def _plain(value: Any) -> Any:
    """A list of errors reads as their lines joined with "; "; anything else as it is."""
    if isinstance(value, list) and value and all(isinstance(v, InputError) for v in value):
        return "; ".join(map(str, value))
    return value


class OfflineError(OdekakeError, ConnectionError):
    """A network resource was needed and could not be reached."""
