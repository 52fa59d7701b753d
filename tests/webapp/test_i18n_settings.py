"""Every phrase of the screens has its English, dates read as staff write them, every setting is documented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from webapp import i18n, settings

ROOT = Path(__file__).resolve().parents[2]
ENGLISH_PO = i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def _extracted() -> set[str]:
    """The message ids `pybabel extract -F babel.cfg -k _ -k gettext -k lazy_gettext` finds in webapp/."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    found = extract_from_dir(ROOT / "webapp", method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def _english():
    with ENGLISH_PO.open("rb") as f:
        return read_po(f)


def test_every_phrase_has_english():
    """Each phrase the sources mark (_, gettext, lazy_gettext, N_) has a finished English translation."""
    phrases = _extracted()
    assert len(phrases) > 200
    english = _english()
    missing = sorted(p for p in phrases if not (english.get(p) and english[p].string and not english[p].fuzzy))
    assert missing == []
    assert set(i18n.KIND_WORDS.values()) <= phrases


def test_catalogue_has_no_stale_phrases():
    """The catalogue holds no phrase the sources no longer use (run `pybabel update`, see ARCHITECTURE.md)."""
    assert sorted({m.id for m in _english() if m.id} - _extracted()) == []


def test_catalogue_compiles_into_the_instance(tmp_path):
    """A clean instance gets the compiled English; a stale .mo is rewritten, an up-to-date one left alone."""
    mo = i18n.compile_catalogues(tmp_path) / "en" / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as f:
        assert read_mo(f).get("ログイン名").string == "Login"
    mo.write_bytes(b"stale")
    i18n.compile_catalogues(tmp_path)
    assert mo.read_bytes() != b"stale"
    before = mo.stat().st_mtime_ns
    i18n.compile_catalogues(tmp_path)
    assert mo.stat().st_mtime_ns == before


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
