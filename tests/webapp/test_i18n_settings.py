"""Every phrase of the screens has its English, dates read as staff write them, every setting is documented."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from webapp import i18n, settings

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
_PHRASE = re.compile(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'""")
_LABELS = re.compile(r"""(?:StringField|PasswordField|ValidationError|InputRequired|IntegerField|FloatField|"""
                     r"""SelectField|DateField|BooleanField|FileField|FileRequired|_Checkboxes)\(\s*"([^"]+)\"""")
_DESCRIPTIONS = re.compile(r'description="([^"]+)"')


def _phrases() -> set[str]:
    found = set()
    for path in [*WEBAPP.rglob("*.html"), *WEBAPP.rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= {a or b for a, b in _PHRASE.findall(text)}
        found |= set(_LABELS.findall(text)) | set(_DESCRIPTIONS.findall(text))
    return {p for p in found if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", p)}


def test_every_japanese_phrase_has_english():
    """Each Japanese phrase wrapped in _() (and each form label or message) has an English entry."""
    phrases = _phrases()
    assert len(phrases) > 30
    missing = sorted(p for p in phrases | set(i18n.KIND_WORDS.values()) if p not in i18n.ENGLISH)
    assert missing == []


def test_dates_as_staff_write_them(app):
    """12月8日(火) on screens, with the year on printed sheets; English reads Tue 8 Dec."""
    day = dt.date(2026, 12, 8)
    with app.test_request_context("/"):
        assert i18n.date_label(day) == "12月8日(火)"
        assert i18n.date_label(day, year=True) == "2026年12月8日(火)"
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert i18n.date_label(day) == "Tue 8 Dec"


def test_every_setting_is_documented():
    """Each default setting has a line in settings.DOCUMENTED (and no line describes a missing one)."""
    assert set(settings.defaults()) == set(settings.DOCUMENTED)
