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
    "分": " min",
    "公開する": "Publish",
    "第%(n)s版を運転手に公開します。よろしいですか？": "Publish v%(n)s to the drivers?",
    "第%(n)s版を公開しました": "v%(n)s is published",
    "第%(n)s版は公開済みです": "v%(n)s was already published",
    "新しい版がすでに公開されています": "A newer version is already published",
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
    "日": "Sun",
    "時間": "Time",
    "会場": "Hall",
    "自宅から車で": "Drive from home",
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
    # master data (マスタ管理) and CSV import
    "メニュー": "Menu",
    "マスタ管理": "Master data",
    "CSV取込": "CSV import",
    "拠点": "Sites",
    "拠点を追加": "Add a site",
    "車両を追加": "Add a vehicle",
    "運休・臨時運行": "Shift exceptions",
    "業務メニュー": "Service catalogue",
    "業務を追加": "Add a service",
    "職員アカウント": "Staff accounts",
    "アカウントを追加": "Add an account",
    "一覧に戻る": "Back to the list",
    "登録がありません": "Nothing recorded yet",
    "編集": "Edit",
    "保存": "Save",
    "保存しました": "Saved",
    "削除": "Delete",
    "削除しました": "Deleted",
    "追加": "Add",
    "はい": "yes",
    "いいえ": "no",
    "なし": "none",
    "入力に誤りがあります。各項目の横のメッセージを確認してください":
        "Some values are not valid; see the message beside each field",
    "市のID": "City id",
    "名称": "Name",
    "種別": "Kind",
    "営業時間": "Opening hours",
    "記録なし": "not recorded",
    "位置": "Position",
    "地図をクリックして位置を決めてください": "Click the map to place it",
    "地図をクリックすると位置が入ります（道路から遠い地点は保存できません）":
        "Click the map to set the position (a point far from any road cannot be saved)",
    "例: 月-金 9:00-12:30,14:00-18:00; 土 9:00-12:00; 日 休み": "e.g. mon-fri 9:00-12:30,14:00-18:00; sat 9:00-12:00; sun off",
    "例: 8:30-17:15": "e.g. 8:30-17:15",
    "例: 11:30-13:30": "e.g. 11:30-13:30",
    "例: 8:30-12:00": "e.g. 8:30-12:00",
    "例: residence_certificate": "e.g. residence_certificate",
    "公民館・集会所": "community hall",
    "支所": "branch office",
    "店舗": "shop",
    "薬局": "pharmacy",
    "診療所": "clinic",
    "車庫": "Depot",
    "座席数": "Seats",
    "荷物の箱数": "Boxes",
    "装備": "Equipment",
    "行政端末": "office terminal",
    "保冷ボックス": "cool box",
    "車椅子スペース": "wheelchair place",
    "車庫（出発・帰着）": "Depot (start and end)",
    "勤務時間": "Working hours",
    "昼休憩の時間帯": "Lunch window",
    "昼休憩（分）": "Lunch break (min)",
    "運行する曜日": "Working days",
    "1時間あたりの費用（円）": "Cost per hour (yen)",
    "使用中": "In use",
    "月": "Mon",
    "火": "Tue",
    "水": "Wed",
    "木": "Thu",
    "金": "Fri",
    "土": "Sat",
    "日付": "Date",
    "時間帯": "Hours",
    "時間帯（空欄は終日）": "Hours (empty: the whole day)",
    "終日": "whole day",
    "整備（運休）": "maintenance (off)",
    "職員不在（運休）": "staff absent (off)",
    "その他（運休）": "other (off)",
    "臨時運行（休日当番など）": "extra duty (e.g. holiday duty)",
    "コード": "Code",
    "日本語名": "Japanese name",
    "英語名": "English name",
    "所要時間（分）": "Duration (min)",
    "必要な装備": "Equipment needed",
    "受付中": "Offered",
    "このコードはすでに使われています": "This code is already used",
    "役割": "Role",
    "管理者": "admin",
    "配車担当": "dispatcher",
    "オペレーター": "operator",
    "運転手・職員": "driver and staff",
    "車両（運転手のみ）": "Vehicle (drivers only)",
    "新しいパスワード": "New password",
    "8文字以上。変更しないときは空欄": "At least 8 characters; leave empty to keep the password",
    "8文字以上にしてください": "Use at least 8 characters",
    "有効": "Active",
    "自分のアカウントは無効にしたり役割を変えたりできません": "You cannot deactivate your own account or change its role",
    "取り込む内容": "What to import",
    "CSVファイル": "CSV file",
    "ファイルを選んでください": "Choose a file",
    "取り込む": "Import",
    "巡回の予約": "session bookings",
    "1行でも誤りがあれば何も取り込みません。誤りをすべて一覧にします。同じ市のIDの行は更新になります":
        "If any row is wrong nothing is imported and every wrong row is listed; a row with a stored city id updates it",
    "%(file)s: 誤りのある行が%(n)s行あります。何も取り込んでいません": "%(file)s: %(n)s row(s) with errors; nothing imported",
    "%(file)s を%(table)sに取り込みました: 追加 %(inserted)s件、更新 %(updated)s件、変更なし %(unchanged)s件":
        "%(file)s imported into %(table)s: %(inserted)s added, %(updated)s updated, %(unchanged)s unchanged",
    "行": "Row",
    "列": "Column",
    "内容": "Problem",
    # stop sheet (運行表), print and PDF
    "運行表": "Stop sheet",
    "運行表を印刷": "Print the stop sheet",
    "印刷": "Print",
    "公開": "published",
    "停車": "Stops",
    "集金合計": "Total to collect",
    "番号は表の停車順": "Numbers are the stop order in the table",
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
