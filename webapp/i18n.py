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
    # planning jobs, publishing, comparing versions
    "計画を作成": "Make the plan",
    "再計画": "Re-plan",
    "計画の作成": "Planning",
    "計画時間": "Time limit",
    "秒": "s",
    "依頼者": "Asked by",
    "順番待ち": "Waiting",
    "準備中": "Preparing",
    "計画中": "Planning",
    "保存中": "Saving",
    "失敗": "Failed",
    "第%(n)s版を作成しました": "v%(n)s was made",
    "新しい版を見る": "See the new version",
    "前の版と比較": "Compare with the previous version",
    "この週の計画は作成中です": "This week's plan is already being made",
    "この週に運行できる車両がありません。車両と運休の設定を確認してください":
        "No vehicle runs this week; check the vehicles and the days they do not run",
    "登録データに誤りがあるため計画できませんでした。内容を確認してください":
        "The stored data has an error, so no plan was made; please check it",
    "時間内に計画が見つかりませんでした。計画時間を長くしてもう一度お試しください":
        "No plan was found in time; please try again with a longer time limit",
    "計画が途中で止まりました（サーバーの再起動など）。もう一度計画を作成してください":
        "Planning stopped part-way (e.g. the server restarted); please make the plan again",
    "計画中に問題が起きました。時間をおいてもう一度お試しください":
        "Something went wrong while planning; please try again later",
    "比較": "Compare",
    "前の版がありません": "There is no previous version",
    "変更はありません": "No changes",
    "新たに未割当": "Newly not planned",
    "車両・日の変更": "Vehicle or day changed",
    "時刻の変更": "Time changed",
    "新たに計画": "Newly planned",
    "変更前": "Before",
    "変更後": "After",
    "時刻の差": "Time difference",
    "分": "min",
    "公開する": "Publish",
    "第%(n)s版を運転手に公開します。よろしいですか？": "Publish v%(n)s to the drivers?",
    "第%(n)s版を公開しました": "v%(n)s is published",
    "第%(n)s版は公開済みです": "v%(n)s was already published",
    "新しい版がすでに公開されています": "A newer version is already published",
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
