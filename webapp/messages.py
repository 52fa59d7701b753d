"""Error messages in the screen's language: the one place the web app words an `InputError` for people.

The layers below raise `routing.errors.InputError` with its parts: the field it
names, the problem as an English template and the values filling it
(``str(exc)`` stays the English line for the command line, the logs and the
API's ``error``). Here the same parts are worded in the request's language:
the field by its label on the screens (`FIELD_WORDS`, gettext phrases with
their English in ``messages.po``) and the problem from `JA`, the Japanese of
every English template (values inside — names, ids, numbers — stay as given,
but the English words a layer below puts in a value: the record a ``{what}``
names, "resident", and a weekday in ``{day}`` or ``{weekday}``, "Mon", read in
Japanese from `WORDS_JA`).
A test reads every template raised in ``routing/``, ``scheduler/`` and
``webapp/`` and fails on one without its Japanese here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from routing.errors import InputError
from webapp.i18n import N_, language
from webapp.messages_ja import JA, WORDS_JA

__all__ = ["FIELD_WORDS", "JA", "field_words", "message", "problem", "row_problem"]

#: The placeholders whose value may be an English word of `WORDS_JA` (a record's kind, a weekday).
WORDED_VALUES = frozenset({"what", "kind", "day", "weekday"})

#: The label of each field an error may name, as the forms show it (Japanese; English in messages.po).
FIELD_WORDS: dict[str, str] = {
    "bbox": N_("地図の範囲"), "week": N_("週"), "name": N_("氏名"), "kana": N_("ふりがな"), "phone": N_("電話"), "contact_name": N_("連絡先の氏名"),
    "contact_phone": N_("連絡先の電話"), "address": N_("住所"), "district": N_("地区"), "notes": N_("メモ"),
    "note": N_("メモ"), "external_id": N_("市のID"), "lat": N_("緯度"), "lon": N_("経度"), "position": N_("位置"),
    "site": N_("目印"), "opening_hours": N_("営業時間"), "kind": N_("種類"), "capacity": N_("座席数・荷物の箱数"),
    "work_end_s": N_("勤務時間"), "work_start_s": N_("勤務時間"), "lunch_latest_end_s": N_("昼休憩の時間帯"),
    "lunch_s/cost_per_hour/fixed_cost": N_("昼休憩・費用"), "workdays": N_("運行する曜日"), "reason": N_("理由"),
    "start_s/end_s": N_("時間帯"), "start_s": N_("時間帯"), "end_s": N_("時間帯"), "code": N_("コード"),
    "duration_s": N_("所要時間"), "services": N_("用件"), "shops": N_("店"), "ride": N_("乗る場所・降りる場所"),
    "items": N_("品物"), "amount_yen": N_("集金額"), "amount_to_collect_yen": N_("集金額"), "seats": N_("人数"),
    "earliest": N_("いつから"), "latest": N_("いつまで"), "after": N_("何時から"), "before": N_("何時まで"),
    "preferences": N_("希望"), "window_min": N_("時間幅"), "offers": N_("候補の数"), "resident": N_("住民"),
    "resident_id": N_("住民"), "day": N_("日付"), "session": N_("巡回"), "offer": N_("候補"), "login": N_("ログイン名"),
    "role": N_("役割"), "vehicle_id": N_("車両"), "password": N_("パスワード"), "week_start": N_("週"),
    "to_site_id": N_("降りる場所"), "max_ride_s": N_("乗車時間"), "pickups": N_("店"), "boxes": N_("箱"),
    "base_priority": N_("優先度"), "promised": N_("約束の時間"), "status": N_("状態"), "action": N_("報告"),
    "not_duplicate": N_("別の人として登録する"), "body": N_("送信内容"), "version": N_("版"), "table": N_("取り込む内容"),
    "file": N_("CSVファイル"),
    "from": N_("開始日"), "to": N_("終了日"), "month": N_("年月"), "fy": N_("年度"), "by": N_("集計の単位"),
    "vehicle": N_("車両"), "stop_id": N_("停車"), "lock": N_("鍵"), "population": N_("人口"),
    "until": N_("終了"), "outcome": N_("結果"), "way_ids": N_("通行止めの道路"), "points": N_("通行止めの道路"),
    "lang": N_("言語"),
}

_INDEX = re.compile(r"\[\d+\]")


def field_words(field: str) -> str:
    """Return the label of `field` in the request's language (``details.services[0]`` reads as 用件); else `field`."""
    for key in (field, _INDEX.sub("", field), _INDEX.sub("", field).rsplit(".", 1)[-1]):
        if key in FIELD_WORDS:
            return gettext(FIELD_WORDS[key])
    return field


def _worded(value: Any) -> Any:
    if isinstance(value, InputError):
        return message(value)
    if isinstance(value, list) and value and all(isinstance(v, InputError) for v in value):
        return "; ".join(message(v) for v in value)
    return value


def _filled(template: str, params: Mapping[str, Any]) -> str:
    values = {k: _worded(v) for k, v in params.items()}
    if language() == "en":
        return template.format(**values)
    for name in WORDED_VALUES & values.keys():
        if isinstance(values[name], str):
            values[name] = WORDS_JA.get(values[name], values[name])
    return JA.get(template, template).format(**values)


def problem(exc: InputError) -> str:
    """Return what is wrong, without the field, in the request's language (for a message beside its field)."""
    if not exc.template:  # made whole in English by a layer not yet worded: as it was written
        return str(exc).partition(": ")[2] or str(exc)
    return _filled(exc.template, exc.params)


def message(exc: InputError) -> str:
    """Return the whole message, ``field: problem``, in the request's language (a flash, a page, the API's message)."""
    if not exc.template:
        return str(exc)
    what = problem(exc)
    return f"{field_words(exc.field)}: {what}" if exc.field else what


def row_problem(error: Any) -> str:
    """Return the problem of a CSV row error (`scheduler.io.csv_import.RowError`) in the request's language."""
    return message(error.cause) if isinstance(error.cause, InputError) else error.problem
