"""The master-data screens: each form's good path, a bad value with its message beside the field, CSV upload."""

from __future__ import annotations

import datetime as dt
import io
import re

from scheduler.domain import ShiftException
from tests.webapp.conftest import csrf_token, login


def _post(client, url, data, **kwargs):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)}, **kwargs)


def _field_error(page, field: str) -> str:
    """The message shown beside `field` (inside its .field block), or ''."""
    block = re.search(rf'<div class="field invalid">(?:(?!<div class="field).)*?id="{field}"(.*?)</div>',
                      page, flags=re.DOTALL)
    return " ".join(re.findall(r'<span class="field-error"[^>]*>(.*?)</span>', block.group(1))) if block else ""


def _audited(store, subject, where):
    return [e for e in store.audit_log.latest() if e.subject == subject and e.where == where]


def _near_road(store):
    """A point on the sample's roads: an existing site's position (sites are checked on import)."""
    site = store.sites.all()[0]
    return site.lat, site.lon


def test_site_add_with_lunch_closure_round_trip(client, store):
    """A new site's hours with a lunch closure are stored as two intervals and shown back in the staff syntax."""
    login(client, "dispatcher")
    lat, lon = _near_road(store)
    hours = "月-金 9:00-12:30,14:00-18:00; 土 9:00-12:00; 日 休み"
    answer = _post(client, "/masters/sites/new", {"external_id": "S-NEW", "name": "川前公民館", "kind": "community_hall",
                                                  "address": "", "opening_hours": hours, "lat": lat, "lon": lon})
    assert answer.status_code == 302
    site = store.sites.by_external_id("S-NEW")
    # 9:00 = 32400 s, 12:30 = 45000 s, 14:00 = 50400 s, 18:00 = 64800 s; Sunday closed (absent)
    assert site.opening_hours[0] == ((32400, 45000), (50400, 64800))
    assert site.opening_hours[5] == ((32400, 43200),) and 6 not in site.opening_hours
    page = client.get(f"/masters/sites/{site.id}").text
    assert 'value="月-金 9:00-12:30,14:00-18:00; 土 9:00-12:00"' in page
    assert 'id="site-map"' in page and "/api/roads" in page
    assert _audited(store, "site", "masters.site_new")[0].subject_ids == (site.id,)


def test_site_bad_hours_message_beside_the_field_and_nothing_stored(client, store):
    """Overlapping hours are refused with the parser's message beside 営業時間; no site is stored."""
    login(client, "dispatcher")
    lat, lon = _near_road(store)
    before = len(store.sites.all())
    answer = _post(client, "/masters/sites/new", {"name": "X", "kind": "shop", "opening_hours": "月 9:00-13:00,12:00-15:00",
                                                  "lat": lat, "lon": lon})
    assert answer.status_code == 400
    assert "9:00–13:00 と 12:00–15:00 が重なっています" in _field_error(answer.text, "opening_hours")
    assert len(store.sites.all()) == before
    client.get("/lang/en")
    answer = _post(client, "/masters/sites/new", {"name": "X", "kind": "shop", "opening_hours": "月 9:00-13:00,12:00-15:00",
                                                  "lat": lat, "lon": lon})
    assert "9:00–13:00 overlaps 12:00–15:00" in _field_error(answer.text, "opening_hours")


def test_site_hours_typed_in_japanese_clock_words_are_stored(client, store):
    """営業時間 9時から17時 (as staff type it) is read as every day 9:00-17:00."""
    login(client, "dispatcher")
    lat, lon = _near_road(store)
    answer = _post(client, "/masters/sites/new", {"name": "時の店", "kind": "shop", "opening_hours": "9時から17時",
                                                  "lat": lat, "lon": lon})
    assert answer.status_code == 302, _field_error(answer.text, "opening_hours")
    site = next(s for s in store.sites.all() if s.name == "時の店")
    assert site.opening_hours == {wd: ((9 * 3600, 17 * 3600),) for wd in range(7)}


def test_site_off_road_click_is_refused_with_distance_and_limit(client, store):
    """A point far from every road (1° away) is refused beside the latitude with the distance and the limit."""
    login(client, "dispatcher")
    lat, lon = _near_road(store)
    answer = _post(client, "/masters/sites/new", {"name": "山の上", "kind": "shop", "lat": lat + 1, "lon": lon})
    assert answer.status_code == 400
    message = _field_error(answer.text, "lat")
    assert re.search(r"最寄りの道路から\d+ m離れています（上限\d+ m）", message), message
    assert not re.search("[A-Za-z]{3}", message), message  # no English on a Japanese screen
    assert not any(s.name == "山の上" for s in store.sites.all())


def test_roads_api_draws_the_instance_roads_and_refuses_a_bad_box(client, store):
    """``/api/roads`` gives the graph's roads around a point; a bad box is a JSON 400 naming bbox."""
    login(client, "dispatcher")
    lat, lon = _near_road(store)
    data = client.get(f"/api/roads?bbox={lat - .01},{lon - .01},{lat + .01},{lon + .01}").json
    assert data["roads"]["features"] and not data["too_large"]
    bad = client.get("/api/roads?bbox=1,2")
    assert bad.status_code == 400 and bad.json["error"].startswith("bbox:")


def test_vehicle_edit_good_and_bad(client, store):
    """Seats, boxes, equipment and hours are saved; a lunch window shorter than the break is shown beside it."""
    login(client, "dispatcher")
    vehicle = store.vehicles.get(1)
    good = {"external_id": vehicle.external_id or "", "name": "いわき1号", "seats": 3, "boxes": 8,
            "skills": ["office_terminal", "cool_box"], "depot_site_id": vehicle.depot_site_id,
            "work_hours": "8:00-17:00", "lunch_window": "11:30-13:30", "lunch_minutes": 45,
            "workdays": ["0", "1", "2", "3", "4"], "cost_per_hour": 3000, "active": "y"}
    assert _post(client, "/masters/vehicles/1", good).status_code == 302
    saved = store.vehicles.get(1)
    assert (saved.name, saved.capacity, saved.work_start_s, saved.lunch_s) == \
        ("いわき1号", {"seats": 3, "boxes": 8}, 8 * 3600, 45 * 60)
    assert {s.value for s in saved.skills} == {"office_terminal", "cool_box"}
    bad = _post(client, "/masters/vehicles/1", {**good, "lunch_window": "12:00-12:30", "lunch_minutes": 60})
    assert bad.status_code == 400
    assert _field_error(bad.text, "lunch_window") == "昼休憩の時間帯が昼休憩の長さより短いです"
    assert store.vehicles.get(1).lunch_s == 45 * 60
    typo = _post(client, "/masters/vehicles/1", {**good, "work_hours": "8:00-"})
    assert "は時刻ではありません（例: 8:30）" in _field_error(typo.text, "work_hours")
    markup = _post(client, "/masters/vehicles/1", {**good, "work_hours": "<b>8</b>-9:00"})
    assert "&lt;b&gt;8&lt;/b&gt;" in _field_error(markup.text, "work_hours") and "<b>8</b>" not in markup.text


def test_shift_exception_add_extra_duty_and_delete(client, store):
    """A holiday duty is added (with its hours) and deleted; bad hours are shown beside the field."""
    login(client, "dispatcher")
    data = {"vehicle_id": 1, "day": "2026-11-23", "reason": "extra_duty", "hours": "9:00-15:00", "note": "当番"}
    assert _post(client, "/masters/exceptions", data).status_code == 302
    [duty] = store.shift_exceptions.between(dt.date(2026, 11, 23), dt.date(2026, 11, 23))
    assert (duty.reason, duty.start_s, duty.end_s) == ("extra_duty", 9 * 3600, 15 * 3600)
    bad = _post(client, "/masters/exceptions", {**data, "hours": "15:00-9:00"})
    assert bad.status_code == 400 and "終わりが始まりより前です" in _field_error(bad.text, "hours")
    assert _post(client, f"/masters/exceptions/{duty.id}/delete", {}).status_code == 302
    assert store.shift_exceptions.between(dt.date(2026, 11, 23), dt.date(2026, 11, 23)) == []


def test_service_catalogue_edit_and_new(client, store):
    """A service's names and duration change; a new code is added; a duplicate code is refused beside the field."""
    login(client, "admin")
    edit = {"code": "residence_certificate", "name_ja": "住民票の写し", "name_en": "Residence record",
            "duration_minutes": 12, "skill": "office_terminal", "active": "y"}
    assert _post(client, "/masters/services/residence_certificate", edit).status_code == 302
    assert next(s for s in store.services.all() if s.code == "residence_certificate").duration_s == 720
    new = {**edit, "code": "bus_pass", "name_ja": "敬老パス", "name_en": "Senior bus pass", "skill": ""}
    assert _post(client, "/masters/services/new", new).status_code == 302
    assert next(s for s in store.services.all() if s.code == "bus_pass").skill is None
    again = _post(client, "/masters/services/new", new)
    assert again.status_code == 400 and "このコードはすでに使われています" in _field_error(again.text, "code")
    bad = _post(client, "/masters/services/new", {**new, "code": "bus pass!"})
    assert "英字・数字・下線（_）だけにしてください" in _field_error(bad.text, "code")


def test_user_management_admin_only(client, store, app):
    """The admin adds a driver, resets a password, deactivates; no hash is shown; a dispatcher gets 403."""
    login(client, "admin")
    data = {"login": "driver9", "name": "運転 九", "role": "driver", "vehicle_id": "2",
            "password": "long-enough-1", "active": "y"}
    assert _post(client, "/masters/users/new", data).status_code == 302
    user = store.users.by_login("driver9")
    assert (user.role.value, user.vehicle_id) == ("driver", 2) and user.password_hash.startswith(("scrypt", "pbkdf2"))
    page = client.get("/masters/users").text + client.get(f"/masters/users/{user.id}").text
    assert user.password_hash not in page and "scrypt:" not in page and "pbkdf2:" not in page
    no_vehicle = _post(client, "/masters/users/new", {**data, "login": "driver8", "vehicle_id": ""})
    assert "運転手には車両を決めてください" in _field_error(no_vehicle.text, "vehicle_id")
    short = _post(client, f"/masters/users/{user.id}", {**data, "password": "short"})
    assert "8文字以上にしてください" in _field_error(short.text, "password")
    old_hash = user.password_hash
    assert _post(client, f"/masters/users/{user.id}", {**data, "password": "another-long-2"}).status_code == 302
    assert store.users.get(user.id).password_hash != old_hash
    keep = {k: v for k, v in data.items() if k not in ("password", "active")}
    assert _post(client, f"/masters/users/{user.id}", keep).status_code == 302  # unticked: deactivated
    after = store.users.get(user.id)
    assert not after.active and after.password_hash != old_hash and after.password_hash
    me = store.users.by_login("admin")
    locked = _post(client, f"/masters/users/{me.id}", {"login": "admin", "role": "dispatcher", "active": "y"})
    assert locked.status_code == 400 and store.users.get(me.id).role.value == "admin"
    other = app.test_client()
    login(other, "dispatcher")
    assert other.get("/masters/users").status_code == 403


def _upload(client, table, text, name="data.csv", encoding="utf-8-sig"):
    return _post(client, "/masters/import", {"table": table, "file": (io.BytesIO(text.encode(encoding)), name)},
                 content_type="multipart/form-data")


def test_csv_upload_good_file_imports_and_audits_residents(client, store):
    """A good residents file is imported with a summary, and the residents it wrote are audited."""
    login(client, "dispatcher")
    lat, lon = _near_road(store)
    text = f"external_id,name,kana,lat,lon\nR-900,山田 花子,やまだ はなこ,{lat},{lon}\n"
    answer = _upload(client, "residents", text, "residents.csv")
    assert answer.status_code == 200
    assert "residents.csv を住民に取り込みました: 追加 1件" in answer.text
    resident = store.residents.by_external_id("R-900")
    assert resident is not None
    assert _audited(store, "resident", "masters.import_csv")[0].subject_ids == (resident.id,)
    assert "文字コード: UTF-8 (BOM)" in answer.text


def test_csv_upload_saved_by_excel_in_shift_jis_imports_and_says_so(client, store):
    """Excel's plain CSV (Shift_JIS) from the screen: imported, and the page says how it was read."""
    login(client, "dispatcher")
    lat, lon = _near_road(store)
    text = f"external_id,name,kana,lat,lon\nR-901,髙橋 花子,たかはし はなこ,{lat},{lon}\n"
    answer = _upload(client, "residents", text, "excel.csv", encoding="cp932")
    assert answer.status_code == 200 and "文字コード: Shift_JIS (CP932)" in answer.text
    assert store.residents.by_external_id("R-901").name == "髙橋 花子"


def test_csv_upload_bad_file_lists_row_errors_and_stores_nothing(client, store):
    """A file with one bad row imports nothing; the row, city id, column and message are in the table."""
    login(client, "dispatcher")
    lat, lon = _near_road(store)
    text = (f"external_id,name,kind,lat,lon,opening_hours\n"
            f"S-GOOD,良い店,shop,{lat},{lon},月-金 9:00-18:00\n"
            f"S-BAD,悪い店,shopp,{lat},{lon},月 9:00-25:00\n")
    answer = _upload(client, "sites", text, "sites.csv")
    assert answer.status_code == 400
    assert "sites.csv: 誤りのある行が1行あります。何も取り込んでいません" in answer.text
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]*)</td><td><code>([^<]*)</code></td>", answer.text)
    assert ("3", "S-BAD", "kind") in rows and ("3", "S-BAD", "opening_hours") in rows
    problems = re.findall(r"<code>(\w+)</code></td>\s*<td>([^<]*)</td>", answer.text)
    kinds = "branch_office, clinic, community_hall, depot, pharmacy, shop"
    assert ("kind", f"&#39;shopp&#39; は選べません。{kinds} のいずれかです（&#39;shop&#39; のことですか）") in problems
    assert ("opening_hours", "&#39;25:00&#39; は1日の中の時刻ではありません") in problems
    assert store.sites.by_external_id("S-GOOD") is None
    client.get("/lang/en")
    answer = _upload(client, "sites", text, "sites.csv")
    problems = re.findall(r"<code>(\w+)</code></td>\s*<td>([^<]*)</td>", answer.text)
    assert ("opening_hours", "&#39;25:00&#39; is not a time of day") in problems


def test_csv_upload_wrong_header_message_beside_the_file(client):
    """A file whose header is wrong is refused beside the file field, naming the uploaded file, not a temp path."""
    login(client, "dispatcher")
    answer = _upload(client, "vehicles", "name,depot\nx,y\n", "fleet.csv")
    assert answer.status_code == 400
    message = _field_error(answer.text, "file")
    assert message.startswith("fleet.csv: 見出し行: 必要な列 external_id"), message
    client.get("/lang/en")
    message = _field_error(_upload(client, "vehicles", "name,depot\nx,y\n", "fleet.csv").text, "file")
    assert message.startswith("fleet.csv: header: missing required column external_id"), message


def test_masters_pages_render_in_english(client, store):
    """The lists read in English after the language switch (kinds and equipment too)."""
    store.shift_exceptions.add(ShiftException(vehicle_id=1, day=dt.date(2026, 12, 1), reason="absence"))  # the fixed clock's week
    login(client, "admin")
    client.get("/lang/en")
    assert "Add a site" in client.get("/masters/sites").text
    assert "Equipment" in client.get("/masters/vehicles").text
    assert "staff absent (off)" in client.get("/masters/exceptions").text
    assert "Staff accounts" in client.get("/masters/users").text


def test_form_labels_and_messages_follow_the_language(client, store):
    """Form labels and validator messages (made at import, lazy) read in the language of each request."""
    login(client, "dispatcher")
    empty = _post(client, "/masters/vehicles/1", {"name": ""})
    assert "名称" in empty.text and "入力してください" in _field_error(empty.text, "name")
    client.get("/lang/en")
    empty = _post(client, "/masters/vehicles/1", {"name": ""})
    assert "Working hours" in empty.text and "Required" in _field_error(empty.text, "name")
    assert "勤務時間" not in empty.text
