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
    # operator (電話予約)
    "電話予約": "Phone booking",
    "住民検索": "Find a resident",
    "ふりがな": "Kana reading",
    "候補日時": "Offered slots",
    "予約を確定": "Confirm the booking",
    "読み上げ文": "Read-back text",
    "候補日時を探す": "Find offered slots",
    "氏名・ふりがな・電話番号・住所": "Name, kana reading, phone or address",
    "ひらがな・カタカナ・半角どれでも、電話番号はハイフンなしでも探せます":
        "Hiragana, katakana or half-width all work; phone numbers with or without hyphens",
    "検索": "Search",
    "見つかりません": "Nobody found",
    "氏名": "Name",
    "住所": "Address",
    "地区": "District",
    "新しい住民を登録": "Register a new resident",
    "住民を登録しました": "The resident is registered",
    "登録する": "Register",
    "注意": "Note",
    "注意（耳が遠い・裏口から など）": "Notes (hard of hearing, use the back door ...)",
    "代わりに予約できる人": "May book for them",
    "代わりに予約できる人（家族・ケアマネジャー）": "Who else may book for them (family, care manager)",
    "その人の電話": "Their phone",
    "空欄なら氏名から読みを推定します（確認してください）":
        "Left empty, a reading is suggested from the name (check it with the caller)",
    "自宅の位置": "Where the home is",
    "目印（公民館・店など）から選ぶ": "Pick a landmark (hall, shop ...)",
    "または地図をクリック": "or click the map",
    "緯度": "Latitude",
    "経度": "Longitude",
    "新しい依頼": "New request",
    "これまでの依頼": "Requests so far",
    "まだ依頼はありません": "No requests yet",
    "受付": "Received",
    "状態": "Status",
    "記録": "Record",
    "約束の時間": "Promised window",
    "取り消す": "Cancel it",
    "変更する": "Change it",
    "取り消しました": "Cancelled",
    "取り消せません": "Cannot cancel",
    "予約済み": "Booked",
    "ご用件": "What for",
    "お店と品物": "Shops and goods",
    "店": "Shop",
    "用意できる時刻": "Ready from",
    "品物": "Goods",
    "円": "yen",
    "要冷蔵": "Needs chilling",
    "乗る場所": "Pick up at",
    "降りる場所": "Drop off at",
    "自宅": "Home",
    "人数": "Passengers",
    "車椅子": "Wheelchair",
    "希望の日時": "Acceptable days and times",
    "いつから": "From",
    "いつまで": "Until",
    "いつでも": "Any time",
    "午前": "Mornings",
    "午後": "Afternoons",
    "何時から": "Not before",
    "何時まで": "Done by",
    "都合の悪い曜日": "Days that do not suit",
    "月火水木金土日": "MTWTFSS",
    "その枠はたった今ふさがりました。新しい候補から選んでください":
        "That slot was just taken; choose one of the fresh offers",
    "希望の日時では予約できません": "No slot at the acceptable times",
    "次に空いている週の候補": "Offers of the next week with room",
    "条件を変える": "Change the request",
    "電話でこのとおり読み上げてください": "Read this out on the phone",
    "住民のページへ": "The resident's page",
    "次の電話": "Next call",
    "近くの巡回を探す": "Find sessions nearby",
    "空きのある巡回はありません": "No session with room left",
    "日": "Day",
    "時間": "Time",
    "会場": "Hall",
    "自宅から車で": "Drive from home",
    "分": "min",
    # request statuses
    "受付済み": "received",
    "提示済み": "offered",
    "予約": "booked",
    "配車済み": "dispatched",
    "取消": "cancelled",
    # request kinds
    "巡回": "hall session",
    "訪問": "home visit",
    "おつかい": "errand delivery",
    "乗車": "ride",
    "受取": "pick-up",
    "配達": "delivery",
    "降車": "drop-off",
    "座席": "seats",
    "箱": "boxes",
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
    "ride_pickup": "乗車", "ride_delivery": "降車", "seats": "座席", "boxes": "箱",
    "draft": "下書き", "published": "公開済み",
    "received": "受付済み", "offered": "提示済み", "booked": "予約", "planned": "計画済み", "dispatched": "配車済み",
    "done": "完了", "no_show": "不在", "cancelled": "取消", "failed": "対応不可",
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
