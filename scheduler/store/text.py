"""Text rules of the store: how phone numbers and names are folded for searching.

Both the schema (migration ``0002`` fills ``residents.phone_digits``) and the
store's search (`Store.residents.find`, the ``odk_fold`` SQL function) use
these, so they live here rather than in either.
"""

from __future__ import annotations

import unicodedata

_KATAKANA = range(ord("ァ"), ord("ヶ") + 1)


def phone_digits(phone: str) -> str:
    """Return only the digits of a phone number, full-width digits included."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", phone or "") if ch.isdigit())


def normalize_search(text: str | None) -> str:
    """Fold text for searching: NFKC, lower case, no spaces, katakana as hiragana.

    So ``'ヤマダ　ハナコ'``, ``'やまだはなこ'`` and ``'ﾔﾏﾀﾞ ﾊﾅｺ'`` all fold to
    ``'やまだはなこ'``.
    """
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(
        chr(ord(ch) - 0x60) if ord(ch) in _KATAKANA else ch for ch in folded if not ch.isspace()
    )


def like_escape(text: str) -> str:
    """Escape ``\\``, ``%`` and ``_`` for a SQL ``LIKE ... ESCAPE '\\'`` pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
