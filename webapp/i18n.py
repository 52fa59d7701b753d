"""Japanese first, English switchable: the words of the screens and how dates read.

The screens are written in Japanese, in the words staff use (shared docs
UI.md). Templates and views wrap each phrase in ``_()`` (Flask-Babel's
``gettext``; ``lazy_gettext`` for form labels made at import time, `N_` for
words kept in tables and translated where shown). Japanese is the source
language, so the phrases are the message ids; English is the catalogue
``webapp/translations/en/LC_MESSAGES/messages.po``, compiled at start-up
into the instance folder (`compile_catalogues`). A test extracts the phrases
from the sources and fails on one without its English.

The language is the user's choice kept in the session (``/lang/en``,
``/lang/ja``), else ``ODEKAKE_LANGUAGE`` (Flask-Babel's locale selector).
Dates read as staff write them: ``12月8日(火)`` (``Tue 8 Dec``), times 24 h
(``9:30``), money ``¥1,280``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_app_context, has_request_context, session
from flask_babel import Babel, gettext

from scheduler.booking.offers import NO_OFFER_CODES
from scheduler.domain import DAY_S, hhmm
from scheduler.planning.wording import in_language
from webapp.kinds import KIND_CSS, OTHER_COLOUR, ink_on

__all__ = ["CAUSE_WORDS", "EXCEPTION_WORDS", "KIND_WORDS", "LANGUAGES", "N_", "TRANSLATIONS", "compile_catalogues", "date_label", "day_off_label", "event_words",
           "init_app", "language", "word"]

LANGUAGES = ("ja", "en")
_WEEKDAYS_JA = "月火水木金土日"
#: The catalogues (``<lang>/LC_MESSAGES/messages.po``), the source of the compiled ``.mo`` files.
TRANSLATIONS = Path(__file__).with_name("translations")


def N_(phrase: str) -> str:
    """Mark `phrase` for extraction without translating it (it is translated where it is shown)."""
    return phrase


#: The word of each request kind and step type (UI.md), Japanese; translated by `word`.
KIND_WORDS: dict[str, str] = {
    "visit": N_("訪問"), "session": N_("巡回"), "errand": N_("おつかい"), "ride": N_("乗車"),
    "pickup": N_("受取"), "delivery": N_("配達"), "break": N_("昼休憩"), "start": N_("出発"), "end": N_("帰着"),
    "ride_pickup": N_("乗車"), "ride_delivery": N_("降車"), "seats": N_("座席"), "boxes": N_("箱"),
    "draft": N_("下書き"), "published": N_("公開済み"),
    "received": N_("受付済み"), "offered": N_("提示済み"), "booked": N_("予約"), "planned": N_("計画済み"), "dispatched": N_("配車済み"),
    "done": N_("完了"), "no_show": N_("不在"), "cancelled": N_("取消"), "failed": N_("対応不可"),
}


#: Staff words of each shift exception (`scheduler.domain.SHIFT_EXCEPTION_REASONS`): the form's choices, the board.
EXCEPTION_WORDS: dict[str, str] = {"maintenance": N_("整備（運休）"), "absence": N_("職員不在（運休）"),
                                   "other": N_("その他（運休）"), "extra_duty": N_("臨時運行（休日当番など）")}


def word(code: str) -> str:
    """Return the staff word of a kind, step type or plan status code in the request's language."""
    return gettext(KIND_WORDS.get(code, code))


#: Staff words of each cause of `scheduler.domain.EVENT_CAUSES`, Japanese; filled from the cause's arguments.
CAUSE_WORDS: dict[str, str] = {
    "plan": N_("%(week)sの週 第%(n)s版の計画に入りました"),
    "plan_left_out": N_("%(week)sの週 第%(n)s版の計画から外れました: %(reason)s"),
    "plan_booking": N_("電話予約を反映した第%(n)s版（%(week)sの週）に入りました"),
    "plan_cancellation": N_("取消で空いた時間に入りました（%(week)sの週 第%(n)s版）"),
    "csv_import": N_("CSV取込で取消"),
    "personal_data_removed": N_("本人の申出により個人情報を削除"),
    "moved_for_holiday": N_("%(from)s の巡回を %(to)s に移しました（休日のため）"),
    "cancelled_for_holiday": N_("%(day)s の巡回を中止しました（休日のため）"),
}


def event_words(event) -> str:
    """Return why the system changed a request (`scheduler.domain.RequestEvent.cause`) in staff words, or "".

    Worded from the cause code and its arguments in the request's language; events stored
    before causes existed have none (their note is shown as it was written).
    """
    if event.cause not in CAUSE_WORDS:
        return ""
    args = event.cause_args or {}
    week = date_label(args["week"]) if "week" in args else ""
    days = {k: day_off_label(args[k], args.get("holiday", "") if k != "to" else "") for k in ("from", "to", "day")
            if args.get(k)}
    return gettext(CAUSE_WORDS[event.cause], week=week, n=args.get("version"), reason=args.get("reason", ""), **days)


def language() -> str:
    """Return the language of this request: the user's choice, else the instance default (Babel's locale selector)."""
    if not has_app_context():  # plan views used outside the app (scripts, tests): Japanese first
        return "ja"
    chosen = session.get("lang") if has_request_context() else None
    return chosen if chosen in LANGUAGES else current_app.config["ODEKAKE_LANGUAGE"]


def date_label(day: dt.date | str, *, year: bool = False) -> str:
    """Return a date as staff write it: ``12月8日(火)`` (``2026年12月8日(火)`` with `year`); English ``Tue 8 Dec``."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    if language() == "en":
        return day.strftime("%a %-d %b %Y" if year else "%a %-d %b")
    text = f"{day.month}月{day.day}日({_WEEKDAYS_JA[day.weekday()]})"
    return f"{day.year}年{text}" if year else text


def day_off_label(day: dt.date | str, holiday: str = "") -> str:
    """Return a day with its holiday's name, as the board says it: ``1月11日(月・成人の日)``; ``Mon 11 Jan (成人の日)``."""
    text = date_label(day)
    if not holiday:
        return text
    return f"{text} ({holiday})" if language() == "en" else f"{text[:-1]}・{holiday})"


def _time(seconds: int | None) -> str:
    return "" if seconds is None else hhmm(int(seconds) % DAY_S)


def _yen(amount: int | None) -> str:
    return f"¥{int(amount or 0):,}"


def _hours(seconds: int | None) -> str:
    minutes = int(seconds or 0) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


@functools.lru_cache(maxsize=8)
def _mo_bytes(po: Path, mtime_ns: int) -> bytes:
    """Return the compiled ``.mo`` of catalogue `po` (cached per file version)."""
    with po.open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def compile_catalogues(target: Path) -> Path:
    """Compile each ``TRANSLATIONS/<lang>/LC_MESSAGES/*.po`` into the same layout under `target`; return `target`.

    A ``.mo`` is rewritten (atomically) only when it differs from its ``.po``, so a clean clone, an
    updated catalogue and several processes starting at once all get the current words.
    """
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(TRANSLATIONS).with_suffix(".mo")
        data = _mo_bytes(po, po.stat().st_mtime_ns)
        if mo.is_file() and mo.read_bytes() == data:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, mo)
    return target


def init_app(app: Flask) -> None:
    """Set up Flask-Babel (``_``/``gettext``/``ngettext`` in templates), the language and the formats.

    The catalogues are compiled into ``<instance>/translations``; the formats are the filters
    ``date``, ``hhmm``, ``yen`` and ``hours``.
    """
    compiled = compile_catalogues(Path(app.instance_path) / "translations")
    Babel(app, locale_selector=language, default_locale="ja", default_translation_directories=str(compiled))
    app.jinja_env.globals.update(word=word, event_words=event_words, language=language, LANGUAGES=LANGUAGES,
                                 exception_words=EXCEPTION_WORDS)
    # a kind's colour always comes with its word: the colours' table (webapp.kinds) for every template
    app.jinja_env.globals.update(kind_css=KIND_CSS, ink_on=ink_on, other_colour=OTHER_COLOUR)
    app.jinja_env.filters.update(date=date_label, hhmm=_time, yen=_yen, hours=_hours, reason=reason_words)


#: A bracketed part with Latin letters in a reason: the solver's English detail, an English weekday in a date.
_LATIN_PART = re.compile(r"\s*\((?:[^()]|\([^()]*\))*?[A-Za-z](?:[^()]|\([^()]*\))*\)")


def reason_words(reason: str) -> str:
    """Return a plan's reason (stored in Japanese and English, `scheduler.planning.wording`) in the request's language.

    In Japanese a bracketed part in Latin letters (the solver's English detail, kept in the stored
    reason for the command line and the CSV) is left out: a Japanese screen shows no English.
    """
    text = in_language(reason or "", language())
    for both in NO_OFFER_CODES.values():  # why a draft got no offer (the booking screen), also "日本語 / English"
        ja, en = both.split(" / ", 1)
        text = text.replace(both, en if language() == "en" else ja)
    return _LATIN_PART.sub("", text) if language() == "ja" else text
