"""Error hierarchy shared by every odekake layer.

Every error a user can cause (bad file, bad row, point off the road) derives
from `InputError`; command-line entry points print its message as one line and
exit with status 2, the web layer turns it into a 400 answer.
"""


class OdekakeError(Exception):
    """Base of all errors odekake raises on purpose."""


class InputError(OdekakeError, ValueError):
    """Bad input from a user: the message names the file, row, field or point."""


class OfflineError(OdekakeError, ConnectionError):
    """A network resource was needed and could not be reached."""
