"""Japanese first, English switchable: the words of the screens and how dates read.

The screens are written in Japanese, in the words staff use
(shared docs UI.md). Templates and views wrap each phrase in ``_()``; in
English the phrase is looked up in `ENGLISH` (Japanese is the message id,
as gettext uses the source language). A test checks every ``_()`` phrase of
the templates and views has its English entry, so a missing word is caught
before a user sees it.

The language is the user's choice kept in the session (``/lang/en``,
``/lang/ja``), else ``ODEKAKE_LANGUAGE``. Dates read as staff write them:
``12月8日(火)`` (``Tue 8 Dec``), times 24 h (``9:30``), money ``¥1,280``.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, session

from scheduler.domain import DAY_S, hhmm

__all__ = ["ENGLISH", "KIND_WORDS", "LANGUAGES", "date_label", "gettext", "init_app", "language", "word"]

LANGUAGES = ("ja", "en")
_WEEKDAYS_JA = "月火水木金土日"

#: English for every Japanese phrase of the screens (UI.md's words).
ENGLISH: dict[str, str] = {
    # frame
    "お出かけ市役所 配車システム": "odekake dispatch",
    "ログイン": "Log in",
    "ログアウト": "Log out",
    "ログイン名": "Login",
    "パスワード": "Password",
    "ログイン名かパスワードが違います": "Wrong login or password",
    "ログインしてください": "Please log in",
    "入力してください": "Required",
    "ホーム": "Home",
    "English": "English",
    "日本語": "日本語",
    # errors
    "エラー": "Error",
    "入力に誤りがあります": "The request is not valid",
    "権限がありません": "You are not allowed to see this page",
    "ページが見つかりません": "Page not found",
    "サーバーで問題が起きました。時間をおいてもう一度お試しください": "Something went wrong on the server; please try again later",
    "フォームの有効期限が切れました。もう一度送信してください": "The form expired; please send it again",
    "戻る": "Back",
    # dispatcher
    "配車計画": "Dispatch plan",
    "週間計画": "Weekly plan",
    "前の週": "Previous week",
    "次の週": "Next week",
    "版": "Version",
    "第%(n)s版": "v%(n)s",
    "下書き": "draft",
    "公開済み": "published",
    "この週の計画はまだありません": "No plan for this week yet",
    "車両": "Vehicle",
    "便": "Shift",
    "休日": "holiday",
    "年末年始": "year-end closure",
    "運休": "not running",
    "出発": "Start",
    "帰着": "End",
    "運転": "Driving",
    "最大積載": "Max load",
    "停車順": "Stop order",
    "到着予定": "ETA",
    "地図": "Map",
    "未割当": "Not planned",
    "理由": "Reason",
    "折り返し電話": "Call back",
    "依頼": "Request",
    "種類": "Kind",
    "住民": "Resident",
    "件": "",
    "作成": "Made",
    "停車なし": "No stops",
    "計画済み": "planned",
    "地図（道路網は当地区のデータから描画）": "Map (roads drawn from this area's own road data)",
    # request kinds
    "巡回": "hall session",
    "訪問": "home visit",
    "おつかい": "errand delivery",
    "乗車": "ride",
    "受取": "pick-up",
    "配達": "delivery",
    "昼休憩": "lunch break",
    # driver
    "今日の運行": "Today's route",
    "今日の運行はありません": "No route today",
    "公開済みの運行": "Published routes",
    "次": "Next",
    "場所": "Place",
    "電話": "Phone",
    "やること": "To do",
    "集金額": "Amount to collect",
    "メモ": "Notes",
    "到着": "Arrived",
    "完了": "Done",
    "不在": "Nobody home",
    "対応不可": "Could not serve",
    "対応不可の理由": "Why it could not be served",
    "理由を入力してください": "Please give the reason",
    "ナビ": "Navigate",
    "記録しました": "Recorded",
    "済": "finished",
    "すべての停車が終わりました": "All stops are finished",
    "車両が設定されていません": "No vehicle is set for your account",
    # stop sheet (運行表), print and PDF
    "運行表": "Stop sheet",
    "運行表を印刷": "Print the stop sheet",
    "印刷": "Print",
    "運転手・職員": "Driver and staff",
    "公開": "published",
    "停車": "Stops",
    "集金合計": "Total to collect",
    "車庫": "Depot",
    "番号は表の停車順": "Numbers are the stop order in the table",
}


#: The word of each request kind and step type (UI.md), Japanese; English through `ENGLISH`.
KIND_WORDS: dict[str, str] = {
    "visit": "訪問", "session": "巡回", "errand": "おつかい", "ride": "乗車",
    "pickup": "受取", "delivery": "配達", "break": "昼休憩", "start": "出発", "end": "帰着",
    "draft": "下書き", "published": "公開済み",
}


def word(code: str) -> str:
    """Return the staff word of a kind, step type or plan status code in the request's language."""
    return gettext(KIND_WORDS.get(code, code))


def language() -> str:
    """Return the language of this request: the user's choice, else the instance default."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else current_app.config["ODEKAKE_LANGUAGE"]


def gettext(phrase: str, **values: object) -> str:
    """Return `phrase` (Japanese) in the request's language, with ``%(name)s`` values filled in."""
    text = ENGLISH.get(phrase, phrase) if language() == "en" else phrase
    return text % values if values else text


def date_label(day: dt.date | str, *, year: bool = False) -> str:
    """Return a date as staff write it: ``12月8日(火)`` (``2026年12月8日(火)`` with `year`); English ``Tue 8 Dec``."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    if language() == "en":
        return day.strftime("%a %-d %b %Y" if year else "%a %-d %b")
    text = f"{day.month}月{day.day}日({_WEEKDAYS_JA[day.weekday()]})"
    return f"{day.year}年{text}" if year else text


def _time(seconds: int | None) -> str:
    return "" if seconds is None else hhmm(int(seconds) % DAY_S)


def _yen(amount: int | None) -> str:
    return f"¥{int(amount or 0):,}"


def _hours(seconds: int | None) -> str:
    minutes = int(seconds or 0) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def init_app(app: Flask) -> None:
    """Give templates ``_``, the language and the formats (``date``, ``hhmm``, ``yen``, ``hours``)."""
    app.jinja_env.globals.update(_=gettext, word=word, language=language, LANGUAGES=LANGUAGES)
    app.jinja_env.filters.update(date=date_label, hhmm=_time, yen=_yen, hours=_hours)
