"""Tests of scheduler.io.csv_import: CSV formats, every error kind, --skip-bad, idempotence, example files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from routing.addresses import AddressIndex
from scheduler.domain import RequestKind, RequestStatus, Skill, TimeWindow
from scheduler.io.csv_import import CsvError, RowError, import_csv
from scheduler.store import Store

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
H = 3600


@pytest.fixture
def store():
    with Store.open() as s:
        yield s


def _write(tmp_path: Path, text: str, name: str = "data.csv", *, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _import_examples(store: Store) -> dict[str, object]:
    """Import the example files in the documented order (residents placed from addresses.osm when needed)."""
    addresses = AddressIndex(EXAMPLES / "addresses.osm")
    return {t: import_csv(store, t, EXAMPLES / f"{t}.csv", user="test", addresses=addresses)
            for t in ("residents", "sites", "vehicles", "requests", "session_bookings")}


RESIDENTS_HEADER = "external_id,name,kana,phone,address,lat,lon\n"


# --------------------------------------------------------------------------- example files


def test_example_files_import_cleanly_in_order(store):
    """The example files import into a fresh store with no error: 5 residents, 6 sites, 3 vehicles, 9 requests,
    3 session bookings; R005 is placed from addresses.osm, V001 and V003 name their services in words."""
    reports = _import_examples(store)
    assert {t: (r.inserted, r.errors) for t, r in reports.items()} == {
        "residents": (5, []), "sites": (6, []), "vehicles": (3, []), "requests": (9, []),
        "session_bookings": (3, [])}
    assert reports["residents"].placed == 1
    r005 = store.residents.by_external_id("R005")
    assert (r005.lat, r005.lon) == (37.16075, 140.60205)  # node 900001 of addresses.osm
    kinds = sorted(r.kind.value for r in store.requests.all())
    assert kinds == ["errand", "ride", "ride", "session", "session", "session", "visit", "visit", "visit"]
    # 住民票の写し;オンライン相談 and "Seal registration certificate" are stored as codes
    assert store.requests.by_external_id("V001").details.services == ("residence_certificate", "consultation")
    assert store.requests.by_external_id("V003").details.services == ("seal_certificate",)
    errand = store.requests.by_external_id("E001")
    shop, pharmacy = store.sites.by_external_id("SHOP_MARU"), store.sites.by_external_id("PHARM")
    # SHOP_MARU:2:10:00;PHARM:1:11:30 -> two pick-ups, 3 boxes, ready at 36000 s and 41400 s.
    assert [(p.site_id, p.boxes, p.ready_s) for p in errand.details.pickups] == [
        (shop.id, 2, 36_000), (pharmacy.id, 1, 41_400)]
    assert errand.details.chilled and errand.details.max_ride_s == 90 * 60
    back = store.requests.by_external_id("R-BACK")
    assert back.details.return_of == store.requests.by_external_id("R-OUT").id
    assert back.details.to_site_id is None  # home
    booked = store.requests.by_external_id("V002")
    assert booked.status == RequestStatus.BOOKED
    assert booked.promised == TimeWindow(dt.date(2026, 12, 2), 10 * H, 11 * H)
    kei = store.vehicles.by_external_id("KEI1")
    assert (kei.capacity, kei.skills, kei.workdays, kei.lunch_s) == (
        {"seats": 1, "boxes": 8}, (Skill.COOL_BOX,), (0, 2, 4), 45 * 60)
    pharm_hours = store.sites.by_external_id("PHARM").opening_hours
    # 月-金 9:00-12:30,14:00-18:00; 土 9:00-12:00; 日 休み
    assert pharm_hours[2] == ((9 * H, 12 * H + 1800), (14 * H, 18 * H))
    assert pharm_hours[5] == ((9 * H, 12 * H),) and 6 not in pharm_hours


def test_reimporting_the_examples_changes_nothing(store):
    """A second import of every example file reports all rows unchanged and adds no row or event."""
    _import_examples(store)
    events_before = store.db.execute("SELECT COUNT(*) FROM request_events").fetchone()[0]
    again = _import_examples(store)
    assert {t: (r.inserted, r.updated, r.unchanged) for t, r in again.items()} == {
        "residents": (0, 0, 5), "sites": (0, 0, 6), "vehicles": (0, 0, 3), "requests": (0, 0, 9),
        "session_bookings": (0, 0, 3)}
    assert (len(store.residents.all()), len(store.requests.all()), len(store.session_bookings.find())) == (5, 9, 3)
    assert store.db.execute("SELECT COUNT(*) FROM request_events").fetchone()[0] == events_before


# --------------------------------------------------------------------------- file-level errors


def test_utf8_with_bom_is_accepted(store, tmp_path):
    """A file saved by Excel as 'CSV UTF-8' (with BOM) imports; the first column name is intact."""
    path = _write(tmp_path, RESIDENTS_HEADER + "R1,山田 花子,ヤマダ ハナコ,0246-01-1001,山里町,37.1,140.7\n",
                  encoding="utf-8-sig")
    assert import_csv(store, "residents", path, user="t").inserted == 1
    assert store.residents.by_external_id("R1").name == "山田 花子"


def test_a_csv_saved_by_excel_as_shift_jis_imports_and_says_so(store, tmp_path):
    """Excel's plain "CSV" in Japan is Shift_JIS (CP932, with ～ and ① as Windows writes them): read, and reported."""
    row = "R1,髙橋 ①子,タカハシ イチコ,0246-01-1001,山里町～1,37.1,140.7\n"
    path = _write(tmp_path, RESIDENTS_HEADER + row, "sjis.csv", encoding="cp932")
    report = import_csv(store, "residents", path, user="t")
    assert report.inserted == 1 and report.encoding == "cp932"
    assert report.format().endswith("read as Shift_JIS (CP932)")
    assert (store.residents.by_external_id("R1").name, store.residents.by_external_id("R1").address) == (
        "髙橋 ①子", "山里町～1")
    utf8 = _write(tmp_path, RESIDENTS_HEADER + row.replace("R1", "R2"), "utf8.csv", encoding="utf-8")
    assert import_csv(store, "residents", utf8, user="t").encoding == "utf-8"


def test_a_file_in_neither_encoding_is_one_clear_error(store, tmp_path):
    """Bytes that are neither UTF-8 nor Shift_JIS: one line naming the file, the byte and how to save it."""
    path = tmp_path / "broken.csv"
    path.write_bytes(RESIDENTS_HEADER.encode() + b"R1,\x81\x7f\xff,,,,37.1,140.7\n")
    with pytest.raises(CsvError, match=r"broken.csv: neither UTF-8 nor Shift_JIS .*CSV UTF-8"):
        import_csv(store, "residents", path, user="t")


def test_missing_file_and_unknown_table(store, tmp_path):
    """A missing file and an unknown table name each give one clear error."""
    with pytest.raises(CsvError, match="nope.csv: no such file"):
        import_csv(store, "residents", tmp_path / "nope.csv", user="t")
    with pytest.raises(CsvError, match="unknown table 'people'"):
        import_csv(store, "people", tmp_path / "nope.csv", user="t")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("external_id,name,lat\n", "missing required column lon"),
        ("external_id,nmae,lat,lon\n", r"missing required column name; unknown column 'nmae' \(did you mean 'name'\?\)"),
        ("external_id,name,lat,lon,lat\n", "column 'lat' appears twice"),
        ("external_id,,name,lat,lon\n", "column 2 has no name"),
        ("", "empty file"),
    ],
)
def test_wrong_header_is_one_clear_error(store, tmp_path, header, message):
    """Header problems (missing, unknown with a suggestion, duplicate, unnamed, none) stop the import."""
    path = _write(tmp_path, header + "R1,山田,37.1,140.7\n" if header else "")
    with pytest.raises(CsvError, match=message):
        import_csv(store, "residents", path, user="t")
    assert store.residents.all() == []


def test_header_names_ignore_case_spaces_and_width(store, tmp_path):
    """' External_ID ', 'ＮＡＭＥ' and trailing empty header cells are accepted."""
    path = _write(tmp_path, " External_ID ,ＮＡＭＥ,lat,lon,,\nR1,山田,37.1,140.7,,\n")
    assert import_csv(store, "residents", path, user="t").inserted == 1


# --------------------------------------------------------------------------- row errors


def test_every_bad_row_is_reported_and_nothing_imported(store, tmp_path):
    """Three bad rows among good ones: all three reported with spreadsheet row numbers, no row stored.

    Row 1 is the header; row 4 is blank (ignored, but still counted).
    """
    path = _write(tmp_path, RESIDENTS_HEADER
                  + "R1,山田 花子,,,,37.1,140.7\n"  # row 2: good
                  + "R2,,,,,abc,140.7\n"  # row 3: empty name and lat not a number
                  + ",,,,,,\n"  # row 4: blank
                  + "R3,佐藤,,,,95,140.7\n"  # row 5: latitude out of range (domain check)
                  + "R1,鈴木,,,,37.2,140.8\n"  # row 6: external id repeated
                  + "R4,高橋,,,,37.2,140.8,extra\n")  # row 7: one cell too many
    report = import_csv(store, "residents", path, user="t")
    assert report.failed and report.inserted == 0
    assert report.errors == [
        RowError(3, "name", "must not be empty"),
        RowError(3, "lat", "'abc' is not a number"),
        RowError(5, "lat", "latitude 95.0 is not between -90 and 90"),
        RowError(6, "external_id", "'R1' is already on row 2"),
        RowError(7, "", "has 8 cells but the header has 7 columns"),
    ]
    assert store.residents.all() == []
    text = report.format()
    assert "4 bad row(s); nothing imported" in text
    assert "row 3 (R2), column lat: 'abc' is not a number" in text  # the city's id after the row


def test_skip_bad_imports_the_good_rows(store, tmp_path):
    """With skip_bad the two good rows are stored and the bad one is reported as skipped."""
    path = _write(tmp_path, RESIDENTS_HEADER + "R1,山田,,,,37.1,140.7\nR2,佐藤,,,,north,140.7\nR3,鈴木,,,,37.2,140.8\n")
    report = import_csv(store, "residents", path, skip_bad=True, user="t")
    assert (report.inserted, report.skipped, report.failed) == (2, 1, False)
    assert report.errors == [RowError(3, "lat", "'north' is not a number")]
    assert [r.external_id for r in store.residents.all()] == ["R1", "R3"]
    assert "2 inserted, 0 updated, 0 unchanged, 1 skipped" in report.format()


def test_changed_row_updates_instead_of_duplicating(store, tmp_path):
    """Re-importing with one phone number changed: 1 updated, 1 unchanged, still 2 residents."""
    first = RESIDENTS_HEADER + "R1,山田,,0246-01-1001,,37.1,140.7\nR2,佐藤,,,,37.2,140.8\n"
    import_csv(store, "residents", _write(tmp_path, first), user="t")
    second = first.replace("0246-01-1001", "090-9999-0000")
    report = import_csv(store, "residents", _write(tmp_path, second, "v2.csv"), user="t")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert len(store.residents.all()) == 2
    assert store.residents.by_external_id("R1").phone == "090-9999-0000"


def test_quoted_multiline_cell_keeps_spreadsheet_row_numbers(store, tmp_path):
    """A note spanning two lines is one row: the bad row after it is still row 3."""
    path = _write(tmp_path, "external_id,name,lat,lon,notes\n"
                  '"R1",山田,37.1,140.7,"耳が遠い\n裏口から"\nR2,佐藤,x,140.7,\n')
    report = import_csv(store, "residents", path, user="t")
    assert report.errors == [RowError(3, "lat", "'x' is not a number")]


def test_site_and_vehicle_cell_errors(store, tmp_path):
    """Sites: bad kind with suggestion, bad hours; vehicles: unknown depot, bad skill, lunch window too short."""
    sites = _write(tmp_path, "external_id,name,kind,lat,lon,opening_hours\n"
                   "DEPOT,支所,支所,37.0,140.8,mon-fri 8:30-17:15\n"  # good: Japanese alias of branch_office
                   "H,公民館,comunity_hall,37.0,140.8,\n"
                   "P,薬局,pharmacy,37.0,140.8,mon-fri 18:00-9:00\n", "sites.csv")
    report = import_csv(store, "sites", sites, skip_bad=True, user="t")
    assert report.errors == [
        RowError(3, "kind", "'comunity_hall' is not one of branch_office, clinic, community_hall, depot, "
                            "pharmacy, shop (did you mean 'community_hall'?)"),
        RowError(4, "opening_hours", "'18:00-9:00' ends before it starts"),
    ]
    vehicles = _write(tmp_path, "external_id,name,depot,skills,lunch_window,lunch_minutes,workdays\n"
                      "V1,号,DEPO,,,,\n"
                      "V2,号,DEPOT,cool_box;jetpack,,,\n"
                      "V3,号,DEPOT,,12:00-12:30,60,\n"
                      "V4,号,DEPOT,,,,mon-xyz\n"
                      "V5,号,DEPOT,wheelchair,,,月-金\n", "vehicles.csv")
    report = import_csv(store, "vehicles", vehicles, user="t")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "depot"), (3, "skills"), (4, "lunch_window"), (5, "workdays")]
    assert [e.problem for e in report.errors] == [
        "no site with external_id 'DEPO' (did you mean 'DEPOT'?)",
        "'jetpack' is not one of cool_box, office_terminal, wheelchair",
        "the lunch window is shorter than the lunch break",
        "'xyz' is not a weekday (mon..sun or 月..日)",
    ]
    assert report.failed and store.vehicles.all() == []


REQ_HEADER = ("external_id,kind,resident,status,windows,promised,services,site,rule,shops,chilled,"
              "from,to,return_of\n")


def test_request_row_errors_of_every_kind(store, tmp_path):
    """Each request kind's own mistakes are reported, all in one report, with nothing imported."""
    _import_examples(store)
    before = len(store.requests.all())
    path = _write(tmp_path, REQ_HEADER
                  + "N1,visit,R001,,2026-12-01 12:00-9:00,,passport_renewal,,,,,,,\n"  # row 2
                  + "N2,visit,R999,,,,consultaton,,,,,,,\n"  # row 3
                  + "N3,session,,,,,,HALL_KAMI,fortnightly:tue,,,,,\n"  # row 4
                  + "N4,errand,R002,,,,,,,NOPE:2:10:00,maybe,,,\n"  # row 5
                  + "N5,ride,R004,,,,,,,,,home,home,\n"  # row 6
                  + "N6,ride,R004,,,,,,,,,CLINIC,home,N404\n"  # row 7
                  + "N7,visit,R001,,,,consultation,HALL_KAMI,,,,,,\n"  # row 8
                  + "N8,visit,R001,booked,,,consultation,,,,,,,\n"  # row 9
                  + "N9,delivery,R001,,,,,,,,,,,\n")  # row 10
    report = import_csv(store, "requests", path, user="t")
    got = [(e.row, e.column) for e in report.errors]
    assert got == [
        (2, "windows"), (2, "services"),
        (3, "resident"), (3, "services"),
        (4, "rule"),
        (5, "shops"), (5, "chilled"),
        (6, "to"),
        (7, "return_of"),
        (8, "site"),
        (9, "promised"),
        (10, "kind"),
    ]
    problems = {(e.row, e.column): e.problem for e in report.errors}
    assert problems[(3, "services")] == "'consultaton' unknown; did you mean オンライン相談 (consultation)?"
    assert problems[(8, "site")] == "not used by a visit request; leave it empty"
    assert problems[(6, "to")] == "a ride from home must go to a site"
    assert problems[(9, "promised")] == "a booked request needs the promised window"
    assert report.failed and len(store.requests.all()) == before


def test_request_formats_excel_dates_and_session_rules(store, tmp_path):
    """Excel-style dates (2026/12/1) and all three rule forms parse to the right values."""
    _import_examples(store)
    path = _write(tmp_path, REQ_HEADER
                  + "A1,visit,R001,,2026/12/1 9:00-10:30,,consultation,,,,,,,\n"
                  + "A2,session,,,,,,HALL_OKU,monthly:3:金,,,,,\n")
    report = import_csv(store, "requests", path, user="t")
    assert report.errors == [] and report.inserted == 2
    assert store.requests.by_external_id("A1").windows == [TimeWindow(dt.date(2026, 12, 1), 9 * H, 10 * H + 1800)]
    rule = store.requests.by_external_id("A2").details.rule
    assert (rule.frequency, rule.nth, rule.weekday) == ("monthly", 3, 4)


def test_session_holiday_rule_column(store, tmp_path):
    """on_holiday: empty moves (the default), 中止 or cancel cancels; another word is an error naming the column."""
    _import_examples(store)
    path = _write(tmp_path, "external_id,kind,site,rule,on_holiday\n"
                  "B1,session,HALL_OKU,weekly:mon,\nB2,session,HALL_OKU,weekly:mon,中止\n"
                  "B3,session,HALL_OKU,weekly:mon,Cancel\nB4,session,HALL_OKU,weekly:mon,postpone\n")
    report = import_csv(store, "requests", path, user="t", skip_bad=True)
    assert [store.requests.by_external_id(e).details.on_holiday for e in ("B1", "B2", "B3")] == ["move", "cancel",
                                                                                                "cancel"]
    [error] = report.errors
    assert (error.row, error.column) == (5, "on_holiday") and "postpone" in error.problem


def test_reimport_does_not_undo_planning_but_can_cancel(store, tmp_path):
    """A stored request planned since the import keeps 'planned' on re-import; status 'cancelled' cancels it."""
    _import_examples(store)
    v001 = store.requests.by_external_id("V001")
    store.change_status(v001.id, RequestStatus.PLANNED, user="planner")
    report = import_csv(store, "requests", EXAMPLES / "requests.csv", user="t")
    assert report.unchanged == 9
    assert store.requests.get(v001.id).status == RequestStatus.PLANNED
    text = (EXAMPLES / "requests.csv").read_text(encoding="utf-8")
    path = _write(tmp_path, text.replace("V001,visit,R001,received", "V001,visit,R001,cancelled"))
    report = import_csv(store, "requests", path, user="operator7")
    assert (report.updated, report.unchanged) == (1, 8)
    events = store.request_events.of_request(v001.id)
    assert (events[-1].from_status, events[-1].to_status, events[-1].user) == (
        RequestStatus.PLANNED, RequestStatus.CANCELLED, "operator7")


def test_request_import_records_a_first_event(store):
    """Every imported request has its creation event by the importing user."""
    _import_examples(store)
    session = store.requests.by_external_id("S001")
    assert session.kind == RequestKind.SESSION
    (event,) = store.request_events.of_request(session.id)
    assert (event.from_status, event.to_status, event.user) == (None, RequestStatus.RECEIVED, "test")
