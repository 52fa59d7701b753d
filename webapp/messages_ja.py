"""The Japanese of every English error template raised below the web app (`webapp.messages` uses it).

Keyed by the English template exactly as raised (``_fail(field, template, ...)``,
``SomeError.of(field, template, ...)``); the Japanese fills the same ``{placeholders}``.
`tests/webapp/test_error_messages.py` fails on a template without its Japanese here.
"""

from __future__ import annotations

JA: dict[str, str] = {
    # --- general
    "{cause}": "{cause}",
    "must not be empty": "入力してください",
    "must be text": "文字で入力してください",
    "must be positive": "0より大きい値にしてください",
    "must not be negative": "マイナスにはできません",
    "must be a positive number of seconds": "0より大きい秒数にしてください",
    "ends before it starts": "終わりが始まりより前です",
    "give both or neither": "両方入力するか、両方とも空欄にしてください",
    "a JSON object is needed": "JSONオブジェクトが必要です",
    "{count} characters; at most {limit}": "{count}文字あります。{limit}文字以内にしてください",
    "at most {limit} characters": "{limit}文字以内にしてください",
    "contains a control character (U+{code:04X}) at position {position}; remove it":
        "{position}文字目に制御文字（U+{code:04X}）があります。取り除いてください",
    "{value!r} is not a phone number: 10 or 11 digits with hyphens, e.g. 0246-12-3456 or 090-1234-5678":
        "{value!r} は電話番号ではありません。ハイフン付きの10桁か11桁で入力してください（例: 0246-12-3456、090-1234-5678）",
    "latitude {lat!r} is not between -90 and 90": "緯度 {lat!r} が-90〜90の範囲にありません",
    "longitude {lon!r} is not between -180 and 180": "経度 {lon!r} が-180〜180の範囲にありません",
    "time of day {seconds!r} is not whole seconds between 0 and {limit}":
        "時刻 {seconds!r} が0〜{limit}秒の範囲の整数ではありません",
    "{text!r} is not a time like 8:30": "{text!r} は時刻ではありません（例: 8:30）",
    "{text!r} is not a time of day": "{text!r} は1日の中の時刻ではありません",
    "{value!r} is not (open_s, close_s) or a list of them": "{value!r} は（開始, 終了）の組またはその並びではありません",
    "{pair!r} is not (open_s, close_s)": "{pair!r} は（開始, 終了）の組ではありません",
    "opens {opens} after it closes {closes}": "開始 {opens} が終了 {closes} より後です",
    "{first} overlaps {second}": "{first} と {second} が重なっています",
    "weekday {weekday!r} is not 0 (Mon) to 6 (Sun)": "曜日 {weekday!r} は0（月）〜6（日）ではありません",
    "unknown dimension {dimension!r}; use {known}": "{dimension!r} という積載の種類はありません。{known} のいずれかです",
    "{value!r} is not a whole number >= 0": "{value!r} は0以上の整数ではありません",
    "working hours end before they start": "勤務の終わりが始まりより前です",
    "the lunch window is shorter than the lunch break": "昼休憩の時間帯が昼休憩の長さより短いです",
    "{value!r} is not one of {known}": "{value!r} は選べません。{known} のいずれかです",
    "shift ends before it starts": "勤務の終わりが始まりより前です",
    "{value!r} must be letters, digits and underscores": "{value!r}: 英字・数字・下線（_）だけにしてください",
    "{value!r} must be a positive number of seconds": "{value!r}: 0より大きい秒数にしてください",
    "window {window} ends before it starts": "時間帯 {window} の終わりが始まりより前です",
    "a home visit needs at least one service": "訪問には用件が1つ以上必要です",
    "{value!r}: use weekly, biweekly or monthly": "{value!r}: weekly（毎週）、biweekly（隔週）、monthly（毎月）のいずれかです",
    "a monthly rule needs nth between 1 and 5": "毎月の決まりには第1〜第5のいずれかが必要です",
    "a biweekly rule needs an anchor date": "隔週の決まりには基準日が必要です",
    "latest start before earliest start": "最も遅い開始が最も早い開始より前です",
    "{value!r} must be 1 or more": "{value!r}: 1以上にしてください",
    "an errand needs at least one shop to pick up from": "おつかいには受け取る店が1つ以上必要です",
    "{value!r} is not a whole number of yen from 0 to {limit:,}": "{value!r}: 0〜{limit:,}円の整数にしてください",
    "a ride from home must go to a site": "自宅から乗る場合は行き先の拠点が必要です",
    "pick-up and drop-off are the same site": "乗る場所と降りる場所が同じです",
    "a {kind} request needs {details}": "{kind} の依頼には {details} が必要です",
    "a {kind} request needs a resident": "{kind} の依頼には住民が必要です",
    "{value!r} is not between 0 and 100": "{value!r} が0〜100の範囲にありません",
    "a booked request needs the promised window": "予約には約束の時間が必要です",
    "unknown cause {value!r}; use one of {known}": "{value!r} という理由はありません。{known} のいずれかです",
    "cause {value!r} needs {missing}": "理由 {value!r} には {missing} が必要です",
    "{day} is not a Monday": "{day} は月曜日ではありません",
    # --- phone booking: the draft request
    "no {kind} with id {value}": "ID {value} の{kind}はありません",
    "no {kind} {value!r}": "{value!r} という{kind}はありません",
    "give the {kind}'s city id (text) or database id (number)": "{kind}の市のID（文字）か番号を指定してください",
    "missing; give a date like 2026-12-07": "日付を入力してください（例: 2026-12-07）",
    "{value!r} is not a date like 2026-12-07": "{value!r} は日付ではありません（例: 2026-12-07）",
    "{value!r}: the amount to collect is whole yen from 0 to {most:,}": "{value!r}: 集金額は0〜{most:,}円の整数です",
    "{value!r}: give text": "{value!r}: 文字で入力してください",
    'a list of service codes, e.g. ["seal_certificate"]': '用件のコードの並びにしてください（例: ["seal_certificate"]）',
    "unknown service {code!r}; known: {known}": "{code!r} という用件はありません。あるのは {known} です",
    'a list of shops, e.g. [{{"site": "SAMPLE-S763", "boxes": 1}}]':
        '店の並びにしてください（例: [{{"site": "SAMPLE-S763", "boxes": 1}}]）',
    'an object such as {{"from": "home", "to": "SAMPLE-S762"}}':
        '乗る場所と降りる場所を指定してください（例: {{"from": "home", "to": "SAMPLE-S762"}}）',
    "cannot read the details ({detail})": "内容を読み取れません（{detail}）",
    'an object such as {{"mornings": true, "not": ["wed"], "after": "10:00"}}':
        '希望の形が違います（例: {{"mornings": true, "not": ["wed"], "after": "10:00"}}）',
    "unknown; use mornings, afternoons, not, after, before":
        "この希望はありません。mornings、afternoons、not、after、before のいずれかです",
    "a list of weekdays from {known}": "曜日の並びにしてください（{known}）",
    "after is not earlier than before: no time of day is left": "何時からが何時までより後で、選べる時間がありません",
    "{value!r}: use one of {known} (hall seats: see sessions)":
        "{value!r}: {known} のいずれかです（巡回の席は「巡回の予約」から）",
    "{day} is in the past (today is {today}); offers start from today": "{day} は過ぎています（今日は {today}）。今日以降にしてください",
    "{day} is more than {days} days ahead; bookings reach {last}": "{day} は{days}日より先です。予約できるのは {last} までです",
    "{day} is before earliest {earliest}": "{day} が「いつから」の {earliest} より前です",
    "{value!r}: minutes between 10 and 480": "{value!r}: 10〜480分にしてください",
    "{value!r}: a number from 1 to 20": "{value!r}: 1〜20の数にしてください",
    # --- phone booking: residents, offers, seats
    "give the position: click the map, or pick a landmark": "位置を決めてください。地図をクリックするか、目印を選びます",
    "no landmark with id {value!r}": "ID {value!r} の目印はありません",
    "the point is {distance:.0f} m from the nearest road (limit {limit:.0f} m); place the home on or next to a road":
        "その地点は最寄りの道路から{distance:.0f} m離れています（上限{limit:.0f} m）。自宅を道路上か道路のそばに置いてください",
    "resident {resident} has the same phone, or the same reading and address; "
    "open that resident, or confirm this is another person":
        "住民 {resident} と電話番号、またはふりがなと住所が同じです。その住民を開くか、別の人であることを確かめてください",
    "request {request}: the resident already has this booking ({window}); confirm a second need to book again":
        "依頼 {request}: この住民はすでに同じ予約があります（{window}）。別の用件なら確認してから予約してください",
    "{window}: the slot was just taken; choose one of the fresh offers": "{window}: この枠はたった今埋まりました。新しい候補から選んでください",
    "{day} is in the past (today is {today})": "{day} は過ぎています（今日は {today}）",
    "{window} has already begun (it is {now})": "{window} はもう始まっています（現在 {now}）",
    "say why the booking is cancelled or changed": "取消・変更の理由を入力してください",
    "the changed route fails validation, nothing stored: {detail}": "変更後のルートが検証を通りません。何も保存していません: {detail}",
    "unknown service {code!r}": "{code!r} という用件はありません",
    "request {request} is not a hall session": "依頼 {request} は巡回ではありません",
    "the session is not planned on {day}": "{day} にこの巡回の計画はありません",
    "the resident already has a seat in this session": "この住民はこの巡回をすでに予約しています",
    "no room left in this session; choose another": "この巡回は満席です。別の回を選んでください",
    "say why the seat is cancelled": "取消の理由を入力してください",
    "seat {seat}: already cancelled on {when} by {user}": "席 {seat}: {when} に {user} がすでに取り消しています",
    # --- the booking API
    "{value} is not one of the {count} offers; ask POST /api/offers again":
        "{value} は{count}件の候補のどれでもありません。候補を探し直してください",
    'give {{"day": "2026-12-08", "start": "9:00", "end": "10:00"}} or the offer\'s number':
        '候補を {{"day": "2026-12-08", "start": "9:00", "end": "10:00"}} の形か候補の番号で指定してください',
    "must be after offer.start": "開始より後にしてください",
    "the draft request, a JSON object (docs/BOOKING.md)": "依頼の下書き（JSONオブジェクト、docs/BOOKING.md）が必要です",
    "true or false (true: the resident needs a second booking at an overlapping time)":
        "true か false です（true: 同じ住民が重なる時間に別の用件で予約します）",
    "a list of service codes": "用件のコードの並びにしてください",
    "the database id (a number)": "データベースの番号（数字）にしてください",
    "choose one of the offered slots": "示された候補から選んでください",
    # --- master data, request arguments
    "the point ({lat:.6f}, {lon:.6f}) is {distance:.0f} m from the nearest road (limit {limit:.0f} m); "
    "click on or near a road":
        "地点（{lat:.6f}, {lon:.6f}）は最寄りの道路から{distance:.0f} m離れています（上限{limit:.0f} m）。"
        "道路上か道路のそばをクリックしてください",
    "{day} is outside the years {first}–{last}": "{day} は{first}〜{last}年の範囲にありません",
    "{text!r} is not a date like 2026-12-01": "{text!r} は日付ではありません（例: 2026-12-01）",
    "{day} is a {weekday}, not a Monday": "{day} は月曜日ではありません（{weekday}）",
    "expected a whole number, got {value!r}": "{value!r} は整数ではありません",
    "{value} is out of range (whole numbers up to {most})": "{value} は大きすぎます（{most}まで）",
    "{value} is out of range (ids go up to {most})": "{value} は大きすぎます（番号は{most}まで）",
    "{text!r} is not a whole number": "{text!r} は整数ではありません",
    "{text!r} is not a time like 2026-12-01T09:12:00+09:00": "{text!r} は日時ではありません（例: 2026-12-01T09:12:00+09:00）",
    "{text!r} has no offset (+09:00)": "{text!r} に時差（+09:00）がありません",
    # --- CSV import: the file
    "{path}: no such file": "{path}: ファイルがありません",
    "{path}: cannot read ({detail})": "{path}: 読み込めません（{detail}）",
    "{path}: not a readable CSV file ({detail})": "{path}: CSVファイルとして読めません（{detail}）",
    "{path}: empty file; the first row must be the header ({columns}, ...)":
        "{path}: 空のファイルです。1行目は見出し（{columns}, ...）にしてください",
    "{path}: neither UTF-8 nor Shift_JIS (byte 0x{byte:02x} at offset {offset}); "
    "save it from Excel as 'CSV UTF-8 (コンマ区切り)' or 'CSV (コンマ区切り)'":
        "{path}: 文字コードがUTF-8でもShift_JISでもありません（{offset}バイト目が0x{byte:02x}）。"
        "Excelで「CSV UTF-8 (コンマ区切り)」か「CSV (コンマ区切り)」として保存してください",
    "{path}: header: {problems}": "{path}: 見出し行: {problems}",
    "column {number} has no name": "{number}列目に名前がありません",
    "unknown column {name!r}{hint}": "{name!r} という列はありません{hint}",
    "column {name!r} appears twice": "列 {name!r} が2回あります",
    "missing required column {columns}": "必要な列 {columns} がありません",
    "missing required columns {columns}": "必要な列 {columns} がありません",
    "unknown table {text!r}; use one of {known}": "{text!r} という取り込み先はありません。{known} のいずれかです",
    " (did you mean {word!r}?)": "（{word!r} のことですか）",
    "; did you mean {name} ({code})?": "（{name}（{code}）のことですか）",
    # --- CSV import: cells and rows
    "{text!r} is not a number": "{text!r} は数ではありません",
    "{text!r} must be a positive number of minutes": "{text!r}: 0より大きい分数にしてください",
    "{text!r} is not yes/no (use yes, no, 1 or 0)": "{text!r} は「はい・いいえ」ではありません（はい、いいえ、1、0）",
    "{text!r} is not a time range like 9:00-12:00": "{text!r} は時間帯ではありません（例: 9:00-12:00、9時から12時）",
    "{text!r} ends before it starts": "{text!r}: 終わりが始まりより前です",
    "{text!r} is not a weekday (mon..sun or 月..日)": "{text!r} は曜日ではありません（月〜日、mon〜sun）",
    "{text!r}: the range runs backwards": "{text!r}: 範囲が逆順です",
    "{text!r} is not a window like 2026-12-01 9:00-12:00": "{text!r} は日時の枠ではありません（例: 2026-12-01 9:00-12:00）",
    "{text!r}: give exactly one window like 2026-12-01 10:00-11:00":
        "{text!r}: 日時の枠を1つだけ書いてください（例: 2026-12-01 10:00-11:00）",
    "{text!r} names no day": "{text!r} に曜日がありません",
    "{text!r} is not like mon-fri 9:00-12:30,14:00-18:00 or sun off":
        "{text!r} は読めません。「月-金 9:00-12:30,14:00-18:00」「9時から17時」「日 休み」のように書いてください",
    "{text!r}: {day} is given both opening hours and 'closed'": "{text!r}: {day} に営業時間と「休み」の両方があります",
    "{text!r}: on {day}: {cause}": "{text!r}: {day}: {cause}",
    "{text!r} opens on no day; leave the cell empty when no hours are recorded":
        "{text!r} では営業する日がありません。営業時間がわからないときは空欄にしてください",
    "{text!r} is not a rule like weekly:tue, biweekly:thu:2026-12-03 or monthly:1:tue":
        "{text!r} は開催の決まりではありません（例: weekly:tue、biweekly:thu:2026-12-03、monthly:1:tue）",
    "{text!r} is not one of {known}{hint}": "{text!r} は選べません。{known} のいずれかです{hint}",
    "no site with external_id {text!r}{hint}": "市のID {text!r} の拠点はありません{hint}",
    "{text!r}: {cause}": "{text!r}: {cause}",
    "{text!r} unknown{hint}": "{text!r} という用件はありません{hint}",
    "no resident with external_id {text!r}": "市のID {text!r} の住民はいません",
    "not used by a {kind} request; leave it empty": "{kind} の依頼では使いません。空欄にしてください",
    "no ride request with external_id {text!r} (import it first)": "市のID {text!r} の乗車の依頼はありません（先に取り込んでください）",
    "no hall-session request with external_id {text!r}{hint}": "市のID {text!r} の巡回の依頼はありません{hint}",
    "promised for {day}": "{day} に約束済み",
    "held {frequency} on {weekday}": "{frequency} の {weekday} に開催",
    "{day} ({weekday}) is not a day of session {session} ({when})": "{day}（{weekday}）は巡回 {session} の開催日ではありません（{when}）",
    "{text!r} is already on row {row}": "{text!r} は{row}行目にもあります",
    "the same {columns} are already on row {row}": "同じ {columns} が{row}行目にもあります",
    "has {cells} cells but the header has {columns} columns": "{cells}個の値がありますが、見出しは{columns}列です",
    "empty, and no address data to place the row from its address: give lat and lon, "
    "or import with --addresses FILE.osm":
        "空欄で、住所から位置を決めるための住所データもありません。緯度・経度を入れるか、住所データを指定して取り込んでください",
    "not found in the address data ({file}); give lat and lon "
    "(placing on the map comes with the operator screens)":
        "住所データ（{file}）に見つかりません。緯度・経度を入れてください（地図で置くのは電話予約の画面からできます）",
    "point ({lat:.6f}, {lon:.6f}) is {distance:.0f} m from the nearest road (limit {limit:.0f} m)":
        "地点（{lat:.6f}, {lon:.6f}）は最寄りの道路から{distance:.0f} m離れています（上限{limit:.0f} m）",
    "stop {stop} is not on the published plan of its week; the crew reports only on the routes drivers have":
        "停車 {stop} はその週の公開済みの計画にありません。報告は運転手に届いている運行だけにできます",
    "give the reason the request could not be served":
        "対応できなかった理由を入力してください",
    # --- the store: records, duplicates, references, plans
    "{what} {id!r} not found": "{what} {id!r} が見つかりません",
    "{value!r} is already used by {what} {id}": "{value!r} はすでに{what} {id} が使っています",
    "{what}: has no id; add it before updating": "{what}: IDがありません。更新する前に登録してください",
    "request {request}: status changes go through change_status": "依頼 {request}: 状態は状態の変更で変えてください",
    "unknown status {status!r}; use one of {known}": "{status!r} という状態はありません。{known} のいずれかです",
    "request {request} is a {kind}, not a session": "依頼 {request} は {kind} で、巡回ではありません",
    "stop {stop}: a {kind} stop serves no request": "停車 {stop}: {kind} の停車には依頼がありません",
    "{login!r} is the last active admin; add or enable another admin first":
        "{login!r} は最後の有効な管理者です。先に別の管理者を追加するか有効にしてください",
    "cannot open as an odekake database ({error})": "odekakeのデータベースとして開けません（{error}）",
    "cannot write the database: the instance folder is read-only or not accessible ({error})":
        "データベースに書き込めません。インスタンスのフォルダーが読み取り専用か、アクセスできません（{error}）",
    "plan {week}: stops[{index}] (vehicle {vehicle}, {day}, seq {seq}) refers to a vehicle, request, site or "
    "resident that is not stored":
        "計画 {week}: 停車[{index}]（車両 {vehicle}、{day}、順番 {seq}）が登録されていない車両・依頼・拠点・住民を指しています",
    "plan {week}: unassigned[{index}] refers to request {request}, which is not stored":
        "計画 {week}: 未割り当て[{index}] が登録されていない依頼 {request} を指しています",
    "plan {week}: a stop or unassigned entry refers to a row that is not stored":
        "計画 {week}: 停車か未割り当てが登録されていないデータを指しています",
    # --- staff accounts
    "{value!r} must be 2-32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit":
        "{value!r}: 英小文字・数字・「.」「_」「-」の2〜32文字で、英字か数字で始めてください",
    "unknown role {role!r}; use one of {known}": "{role!r} という役割はありません。{known} のいずれかです",
    "a driver must be tied to a vehicle": "運転手には車両を決めてください",
    "only drivers are tied to a vehicle, not a {role}": "車両を決めるのは運転手だけです（{role} には決めません）",
    "must be 64 lower-case hex digits": "16進数の小文字64桁にしてください",
    "both or neither": "両方入力するか、両方とも空欄にしてください",
    "unknown end {reason!r}; use one of {known}": "{reason!r} という終了の理由はありません。{known} のいずれかです",
    "a token must have an end": "トークンには有効期限が必要です",
    "must be after the token is made": "トークンを作った時より後にしてください",
    "must be after the session starts": "ログインした時より後にしてください",
    "must be a whole number of at least 1, not {value!r}": "1以上の整数にしてください（{value!r} は使えません）",
    # --- the service calendar
    "vehicle {name!r}: has no id; store it before making shifts": "車両 {name!r}: IDがありません。勤務を作る前に登録してください",
    "{what} {text!r}: expected a date like 2026-11-30": "{what} {text!r}: 日付を入力してください（例: 2026-11-30）",
    "{what} {day} is a {weekday}, not a Monday": "{what} {day} は月曜日ではありません（{weekday}）",
    # --- the request's life cycle on the day
    "the stop is on {day}, after today ({today}); a report is recorded on the stop's day":
        "この停車は {day} で、今日（{today}）より後です。報告は停車の日にしてください",
    "{at} is not on the stop's day {day}": "{at} は停車の日 {day} ではありません",
    "{at} is in the future (now {now})": "{at} はまだ来ていません（今は {now}）",
    "unknown action {action!r}; use one of {known}": "{action!r} という報告はありません。{known} のいずれかです",
    "not_home is for a door; at a hall session use done (or cannot_serve with why)":
        "不在は戸口での報告です。会場の巡回では完了（または理由を添えて対応不可）にしてください",
    "request {request}: cannot change status from {old} to {new} (allowed: {allowed})":
        "依頼 {request}: 状態を {old} から {new} には変えられません（変えられるのは: {allowed}）",
    "request {request}: booking needs the promised window": "依頼 {request}: 予約には約束の時間が必要です",
    # --- unreadable JSON bodies
    "{name} is not a number JSON allows": "{name} はJSONで使える数ではありません",
    "invalid Unicode (a lone surrogate \\u{code:04x} at character {position})":
        "正しくないUnicodeです（{position}文字目に単独のサロゲート \\u{code:04x}）",
    "the number is too large": "数が大きすぎます",
    "a key has invalid Unicode (a lone surrogate)": "キーに正しくないUnicode（単独のサロゲート）があります",
    "not UTF-8 text (byte {byte})": "UTF-8の文字ではありません（{byte}バイト目）",
    "nested deeper than {most} levels": "入れ子が{most}段より深くなっています",
    "not JSON ({error})": "JSONではありません（{error}）",
    # --- the road network
    "road graph has no nodes": "道路網に交差点がありません",
    "road graph has an edge with travel_time < 1 s": "道路網に所要時間が1秒未満の道があります",
    "road graph too large for exact combined weights": "道路網が大きすぎて正確に計算できません",
    "no road path from point {start!r} to point {end!r}": "地点 {start!r} から地点 {end!r} への道がありません",
    "no points given: a matrix needs at least one point": "地点がありません。1つ以上必要です",
    "point {point!r} ({lat:.6f}, {lon:.6f}) is {offset_m:.0f} m from the nearest road (limit {limit:.0f} m)":
        "地点 {point!r}（{lat:.6f}, {lon:.6f}）は最寄りの道路から{offset_m:.0f} m離れています（上限{limit:.0f} m）",
    "point {point!r}: expected (id, lat, lon)": "地点 {point!r}: （ID, 緯度, 経度）にしてください",
    "point {point!r}: lat/lon must be numbers, got ({lat!r}, {lon!r})":
        "地点 {point!r}: 緯度・経度は数にしてください（{lat!r}, {lon!r}）",
    "point {point!r}: lat {lat!r} is not between -90 and 90": "地点 {point!r}: 緯度 {lat!r} が-90〜90の範囲にありません",
    "point {point!r}: lon {lon!r} is not between -180 and 180": "地点 {point!r}: 経度 {lon!r} が-180〜180の範囲にありません",
    'expected a JSON object such as {{"snap_limit_m": 300}}': 'JSONオブジェクトにしてください（例: {{"snap_limit_m": 300}}）',
    "unknown key {key!r} (known: snap_limit_m)": "{key!r} という項目はありません（使えるのは snap_limit_m）",
    "snap_limit_m must be a positive number of metres, got {value!r}":
        "snap_limit_m は0より大きいメートル数にしてください（{value!r} は使えません）",
    # road closures (routing.closures, scheduler.closures, webapp.api.closures)
    "a closure needs at least one road": "通行止めにする道路を1つ以上指定してください",
    "{until} is not after from ({start})": "{until} が開始（{start}）より後になっていません",
    "give at least one OSM way id": "OSMのway IDを1つ以上指定してください",
    "way {way} is not a road of the graph": "way {way} は道路網にありません",
    "{problem}": "{problem}",
    "both points are at the same crossing: no road between them": "2つの地点が同じ交差点です。間に道路がありません",
    "no road path between the two points": "2つの地点の間に道路がありません",
    "give the road either as way_ids or as two points (exactly one of them)":
        "道路は way_ids か2つの地点のどちらか一方で指定してください",
    "give exactly two points [lat, lon], got {count}": "地点は [緯度, 経度] を2つ指定してください（{count}個あります）",
    "({lat}, {lon}) is not a point on the map": "（{lat}, {lon}）は地図上の地点ではありません",
    "an OSM way id is a positive number, got {way}": "OSMのway IDは正の数です（{way} は使えません）",
    "expected a list of OSM way ids such as [123456]": "OSMのway IDのリストにしてください（例: [123456]）",
    "{way!r} is not an OSM way id": "{way!r} はOSMのway IDではありません",
    "expected two points [[lat, lon], [lat, lon]]": "地点を2つ [[緯度, 経度], [緯度, 経度]] の形で指定してください",
    "expected text": "文字で入力してください",
    "{text!r} is not LAT,LON such as 32.80,130.71": "{text!r} は「緯度,経度」（例: 32.80,130.71）になっていません",
    "{text!r} is not a time like 2026-12-01T08:00": "{text!r} は日時（例: 2026-12-01T08:00）になっていません",
    "{text!r} is not a date like 2026-04-01": "{text!r} は日付ではありません（例: 2026-04-01）",
}

#: The English words a layer below puts in a value (`webapp.messages.WORDED_VALUES`): the record a
#: ``{what}`` names (`scheduler.store.entities.Entities.what`) and a weekday, short or whole.
WORDS_JA: dict[str, str] = {
    "resident": "住民", "site": "拠点", "vehicle": "車両", "shift exception": "勤務の例外", "service": "用件",
    "request": "依頼", "request event": "依頼の記録", "session booking": "巡回の予約", "plan": "計画",
    "plan stop": "計画の停車", "unassigned request": "未割り当ての依頼", "user": "アカウント",
    "API token": "APIトークン", "log-in session": "ログイン", "log-in limit": "ログインの制限",
    "audit entry": "操作記録", "job": "計画の作成", "call outcome": "連絡の記録", "road closure": "通行止め",
    "week": "週",
    **dict(zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), (f"{d}曜日" for d in "月火水木金土日"), strict=True)),
    **dict(zip(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
               (f"{d}曜日" for d in "月火水木金土日"), strict=True)),
}

# --- what a 完了 at a stop handled, and the figures of a period (issue 27: scheduler.evidence)
JA.update({
    "{value!r} is not a whole number from 0 to {limit}": "{value!r} は0〜{limit}の整数ではありません",
    "expected an object of service codes and counts, e.g. {example}": "用件のコードと件数で指定してください（例: {example}）",
    "expected an object with {keys}": "{keys} を持つオブジェクトで指定してください",
    "unknown field; use {keys}": "この項目はありません。使えるのは {keys} です",
    "only a done report at a visit, a hall session or a drop-off records what was handled":
        "対応内容を記録できるのは、訪問・巡回・お届け（降車）の「完了」だけです",
    "a {step} stop of a {kind} records no {field}": "この停車（{kind}の{step}）では {field} は記録しません",
    "true or false": "true か false にしてください",
    "the period ends on {last} before it starts on {first}": "期間の終わり（{last}）が始まり（{first}）より前です",
    "a period of at most 5 years; {first} to {last} is {days} days":
        "期間は5年以内にしてください（{first}〜{last}は{days}日あります）",
    "{value!r}: group by {known}": "{value!r} では集計できません。使えるのは {known} です",
    "unknown district {value!r}": "{value!r} という地区はありません",
    "{value!r}: use one of {known}": "{value!r} は使えません。使えるのは {known} です",
    "row {row}: no district": "{row}行目: 地区がありません",
    "row {row}: {value!r} holds a control character; remove it": "{row}行目: {value!r} に制御文字があります。取り除いてください",
    "row {row}: {count} characters; at most {limit}": "{row}行目: {count}文字あります。{limit}文字以内にしてください",
    "row {row}: district {value!r} appears twice": "{row}行目: 地区 {value!r} が2回あります",
    "row {row}: {value!r} is not a whole number from 0 to {limit}": "{row}行目: {value!r} は0〜{limit}の整数ではありません",
    "{count} bad rows, nothing imported: {problems}": "誤りのある行が{count}行あるため、何も取り込んでいません: {problems}",
    "expected south,west,north,east in degrees, e.g. 37.05,140.80,37.07,140.83":
        "南,西,北,東 の順に度で指定してください（例: 37.05,140.80,37.07,140.83）",
    "south must be below north and west left of east": "南は北より小さく、西は東より小さくしてください",
    "week {week} has no published plan to re-plan": "{week} の週には公開済みの計画がないため再計画できません",
    "{day} is over: only today or a later day can be re-planned": "{day} は終わっています。再計画できるのは今日以降の日です",
    "{until} is over: an outage can only be entered while it lasts or before it":
        "{until} は過ぎています。運休は終わる前に入力してください",
    "stop {stop} is not on the call list of {day}": "停車 {stop} は {day} の連絡リストにありません",
    "a hall session is not cancelled from the call list (a resident's seat is cancelled on 予約)":
        "会場の巡回は連絡リストからは取り消せません（住民の席は予約の画面で取り消します）",
    "a text of 1 to 200 characters": "1〜200文字で入力してください",
})

# --- the period of the 実績 screen (issue 27: webapp.results)
JA.update({
    "{text!r} is not a month like 2026-11": "{text!r} は月ではありません（例: 2026-11）",
    "{text!r} is not a fiscal year like 2026": "{text!r} は年度ではありません（例: 2026）",
})

# --- locks (鍵, issue 26: scheduler.locks, webapp.locks)
WORDS_JA["lock"] = "鍵"
JA.update({
    "a stop lock needs both the stop and its request": "停車の鍵には停車とその依頼の両方が必要です",
    "a stop lock needs the stop's vehicle": "停車の鍵にはその停車の車両が必要です",
    "stop {stop} is not a resident's stop (a depot or a break)": "停車 {stop} は住民の停車ではありません（車庫か休憩です）",
    "it is locked already": "すでに鍵がかかっています",
    "give stop_id, or vehicle and day, or day alone": "停車（stop_id）、車両と日付、または日付だけを指定してください",
})
