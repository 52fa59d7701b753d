"""Import as a city's staff have their data: lunch closures, far points, service names, bookings, addresses.

Each convenience is tested with a good row and a bad one; a bad row names its
row, its column and the city's id, and nothing of the file is stored.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from routing.addresses import AddressIndex
from scheduler.io.csv_import import import_csv
from scheduler.store import Store
from tests.routing.osmxml import osm_xml

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
H = 3600
SITES_HEADER = "external_id,name,kind,lat,lon,opening_hours\n"


@pytest.fixture
def store():
    with Store.open() as s:
        yield s


def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import_example(store: Store, *tables: str) -> None:
    addresses = AddressIndex(EXAMPLES / "addresses.osm")
    for table in tables:
        report = import_csv(store, table, EXAMPLES / f"{table}.csv", user="t", addresses=addresses)
        assert report.errors == [], report.format()


# --------------------------------------------------------------------------- opening hours


def test_lunch_closure_keeps_both_intervals(store, tmp_path):
    """The issue's `mon-fri 9:00-12:30;mon-fri 14:00-18:00` keeps the morning; the comma form and Japanese
    days give the same; `sun off` closes Sunday; the hours survive a save and load."""
    path = _write(tmp_path, SITES_HEADER
                  + "C1,診療所,clinic,37.1,140.7,mon-fri 9:00-12:30;mon-fri 14:00-18:00\n"
                  + 'C2,薬局,pharmacy,37.1,140.7,"mon-fri 9:00-12:30,14:00-18:00; sat 9:00-12:00; sun off"\n'
                  + "C3,商店,shop,37.1,140.7,月-金 9:00〜12:30、14:00〜18:00\n"
                  + "C4,集会所,集会所,37.1,140.7,月水金 9:00-12:00\n")
    report = import_csv(store, "sites", path, user="t")
    assert report.errors == [] and report.inserted == 4
    lunch = ((9 * H, 12 * H + 1800), (14 * H, 18 * H))
    c1 = store.sites.by_external_id("C1")
    assert c1.opening_hours == {wd: lunch for wd in range(5)}
    assert c1.intervals_on(dt.date(2026, 12, 1)) == lunch
    assert store.sites.by_external_id("C2").opening_hours == {**{wd: lunch for wd in range(5)},
                                                             5: ((9 * H, 12 * H),)}
    assert store.sites.by_external_id("C3").opening_hours == c1.opening_hours
    assert set(store.sites.by_external_id("C4").opening_hours) == {0, 2, 4}


def test_overlapping_or_unreadable_hours_are_refused_naming_row_id_and_text(store, tmp_path):
    """Overlapping intervals, a day both open and closed, and text without hours are row errors; nothing stored.

    (Hours naming no day, ``9:00-18:00`` or ``9時から17時``, are every day's: see the test below.)
    """
    path = _write(tmp_path, SITES_HEADER
                  + "C1,診療所,clinic,37.1,140.7,mon-fri 9:00-12:30;mon-fri 14:00-18:00\n"
                  + "C2,薬局,pharmacy,37.1,140.7,mon-fri 9:00-13:00;mon-fri 12:30-18:00\n"
                  + "C3,商店,shop,37.1,140.7,mon 9:00-12:00;mon off\n"
                  + "C4,商店,shop,37.1,140.7,mon-fri nine to six\n")
    report = import_csv(store, "sites", path, user="t")
    assert report.failed and store.sites.all() == []
    lines = report.format().splitlines()[1:]
    assert lines == [
        ("  row 3 (C2), column opening_hours: 'mon-fri 9:00-13:00;mon-fri 12:30-18:00': on Mon: "
        "9:00–13:00 overlaps 12:30–18:00"),
        ("  row 4 (C3), column opening_hours: 'mon 9:00-12:00;mon off': Mon is given both opening hours "
        "and 'closed'"),
        "  row 5 (C4), column opening_hours: 'mon-fri nine to six' is not like mon-fri 9:00-12:30,14:00-18:00 or sun off",
    ]


# --------------------------------------------------------------------------- points off the road


def test_far_point_is_refused_at_import_with_the_city_id(store, tmp_path, sample_network):
    """A resident out at sea is refused with its row, id, position and distance; the whole file stays out."""
    path = _write(tmp_path, "external_id,name,lat,lon\n"
                  "R001,山田 花子,37.14450,140.60700\n"  # beside a road of the sample district
                  "K099,佐藤 一郎,32.754,130.544\n")  # Kyushu, ~1000 km away
    report = import_csv(store, "residents", path, user="t", network=sample_network)
    assert report.failed and store.residents.all() == []
    [error] = report.errors
    assert (error.row, error.external_id, error.column) == (3, "K099", "lat/lon")
    far = sample_network.off_road([("K099", 32.754, 130.544)])["K099"]
    assert far > 500_000
    assert str(error) == (f"row 3 (K099), column lat/lon: point (32.754000, 130.544000) is {far:.0f} m "
                          "from the nearest road (limit 500 m)")
    good = _write(tmp_path, "external_id,name,lat,lon\nR001,山田 花子,37.14450,140.60700\n", "good.csv")
    assert import_csv(store, "residents", good, user="t", network=sample_network).inserted == 1


def test_far_site_is_refused_too(store, tmp_path, sample_network):
    """Sites are checked like residents."""
    path = _write(tmp_path, SITES_HEADER + "HALL_SEA,海上集会所,community_hall,37.1,141.5,\n")
    report = import_csv(store, "sites", path, user="t", network=sample_network)
    assert report.failed and [(e.row, e.external_id, e.column) for e in report.errors] == [(2, "HALL_SEA", "lat/lon")]


# --------------------------------------------------------------------------- services by name


def test_services_by_code_japanese_or_english_name_and_a_near_miss(store, tmp_path):
    """住民票の写し, 'online consultation' and a code are stored as codes; '住民票' gets a did-you-mean."""
    _import_example(store, "residents", "sites")
    header = "external_id,kind,resident,services\n"
    path = _write(tmp_path, header + "N1,visit,R001,住民票の写し;ONLINE CONSULTATION;tax_certificate\n")
    assert import_csv(store, "requests", path, user="t").errors == []
    assert store.requests.by_external_id("N1").details.services == (
        "residence_certificate", "consultation", "tax_certificate")
    bad = _write(tmp_path, header + "N2,visit,R001,オンライン相談\nN3,visit,R001,住民票\n", "bad.csv")
    report = import_csv(store, "requests", bad, user="t")
    assert [str(e) for e in report.errors] == [
        "row 3 (N3), column services: '住民票' unknown; did you mean 住民票の写し (residence_certificate)?"]
    assert store.requests.by_external_id("N2") is None  # the good row of a bad file is not stored either


# --------------------------------------------------------------------------- session bookings


def test_session_bookings_import_and_lengthen_the_session(store, tmp_path):
    """Two bookings into the 60-minute S003 (1st Tuesday) on 2026-12-01 are stored with service codes;
    a re-import changes nothing; changing a booking's services updates it."""
    _import_example(store, "residents", "sites", "vehicles", "requests")
    path = _write(tmp_path, "session,resident,day,services\n"
                  "S003,R002,2026-12-01,オンライン相談\n"
                  "S003,R003,2026/12/1,mynumber_application;マイナ保険証の利用登録\n")
    report = import_csv(store, "session_bookings", path, user="t")
    assert (report.inserted, report.errors) == (2, [])
    s003 = store.requests.by_external_id("S003")
    r003 = store.residents.by_external_id("R003")
    bookings = store.session_bookings.find(session_request_id=s003.id, day=dt.date(2026, 12, 1))
    assert [(b.resident_id, b.services) for b in bookings][1] == (
        r003.id, ("mynumber_application", "insurance_link"))
    assert import_csv(store, "session_bookings", path, user="t").unchanged == 2
    changed = _write(tmp_path, "session,resident,day,services\nS003,R002,2026-12-01,印鑑登録証明書\n", "c.csv")
    assert import_csv(store, "session_bookings", changed, user="t").updated == 1
    assert len(store.session_bookings.find()) == 2


def test_reimporting_a_seat_cancelled_on_the_phone_leaves_it_cancelled(store, tmp_path):
    """The CSV has no cancellation column: a re-import of the same row neither revives nor duplicates the seat."""
    from scheduler.booking import cancel_seat

    _import_example(store, "residents", "sites", "vehicles", "requests")
    path = _write(tmp_path, "session,resident,day,services\nS003,R002,2026-12-01,オンライン相談\n")
    assert import_csv(store, "session_bookings", path, user="t").inserted == 1
    (seat,) = store.session_bookings.find()
    cancel_seat(store, seat.id, reason="入院のため", user="op")
    assert import_csv(store, "session_bookings", path, user="t").unchanged == 1
    assert store.session_bookings.find() == [] and store.session_bookings.get(seat.id).cancel_reason == "入院のため"
    changed = _write(tmp_path, "session,resident,day,services\nS003,R002,2026-12-01,印鑑登録証明書\n", "c.csv")
    assert import_csv(store, "session_bookings", changed, user="t").updated == 1
    assert store.session_bookings.get(seat.id).cancelled


def test_bad_session_bookings_name_row_and_field_and_store_nothing(store, tmp_path):
    """Unknown session, a visit given as session, a day the session is not held, unknown resident, unknown
    service and a duplicate: each named; the good first row is not stored either."""
    _import_example(store, "residents", "sites", "vehicles", "requests")
    path = _write(tmp_path, "session,resident,day,services\n"
                  "S001,R001,2026-12-01,住民票の写し\n"  # row 2: good (S001 is weekly on Tuesday)
                  "S009,R001,2026-12-01,\n"  # row 3: no such session
                  "V001,R001,2026-12-01,\n"  # row 4: a visit, not a session
                  "S001,R002,2026-12-02,\n"  # row 5: Wednesday
                  "S001,R099,2026-12-01,\n"  # row 6: unknown resident
                  "S001,R003,2026-12-01,住民表\n"  # row 7: typo in the service
                  "S001,R001,2026/12/1,\n")  # row 8: the same booking as row 2
    report = import_csv(store, "session_bookings", path, user="t")
    assert report.failed and store.session_bookings.find() == []
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "session"), (4, "session"), (5, "day"), (6, "resident"), (7, "services"), (8, "session")]
    problems = {e.row: e.problem for e in report.errors}
    assert problems[3] == "no hall-session request with external_id 'S009' (did you mean 'S003'?)"
    assert problems[5] == "2026-12-02 (Wed) is not a day of session S001 (held weekly on Tue)"
    assert problems[7] == "'住民表' unknown; did you mean 住民票の写し (residence_certificate)?"
    assert problems[8] == "the same session, resident, day are already on row 2"


# --------------------------------------------------------------------------- placing by address


def _address_file(tmp_path: Path) -> AddressIndex:
    """Return an index of a hand-made OSM file: one address node, one building way, two nodes sharing an address."""
    nodes = {1: (37.0, 140.0), 2: (37.001, 140.001), 3: (37.001, 140.003), 4: (37.003, 140.003),
             5: (37.003, 140.001), 6: (37.01, 140.0), 7: (37.02, 140.0)}
    node_tags = {
        1: {"addr:province": "福島県", "addr:city": "いわき市", "addr:quarter": "川前町", "addr:neighbourhood": "三丁目",
            "addr:block_number": "18", "addr:housenumber": "1"},
        6: {"addr:city": "いわき市", "addr:quarter": "田人町", "addr:block_number": "5"},
        7: {"addr:city": "いわき市", "addr:quarter": "田人町", "addr:block_number": "5"},  # the same address elsewhere
    }
    ways = [([2, 3, 4, 5, 2], {"building": "yes", "addr:full": "いわき市小川町二丁目4番地"})]
    path = tmp_path / "addresses.osm"
    path.write_text(osm_xml(nodes, ways, node_tags=node_tags), encoding="utf-8")
    return AddressIndex(path)


def test_residents_are_placed_from_osm_address_data(store, tmp_path):
    """Addresses written as staff write them are found: kanji numerals, 丁目/番/号, full-width digits, no
    prefecture; a building is placed at the mean of its corners."""
    addresses = _address_file(tmp_path)
    path = _write(tmp_path, "external_id,name,address,lat,lon\n"
                  "A1,山田 花子,いわき市川前町三丁目十八番一号,,\n"
                  "A2,佐藤 一郎,福島県いわき市小川町２－４,,\n"
                  "A3,鈴木 トメ,いわき市川前町3-18-1,37.5,140.5\n")  # coordinates given: used as they are
    report = import_csv(store, "residents", path, user="t", addresses=addresses)
    assert (report.inserted, report.placed, report.errors) == (3, 2, [])
    assert "(2 placed from their address)" in report.format()
    a1, a2, a3 = (store.residents.by_external_id(x) for x in ("A1", "A2", "A3"))
    assert (a1.lat, a1.lon) == (37.0, 140.0)
    # corners (37.001, 140.001), (37.001, 140.003), (37.003, 140.003), (37.003, 140.001) -> (37.002, 140.002)
    assert (a2.lat, a2.lon) == pytest.approx((37.002, 140.002))
    assert (a3.lat, a3.lon) == (37.5, 140.5)


def test_address_without_a_match_or_without_address_data_is_refused(store, tmp_path):
    """No match, an ambiguous address, and no address data at all: each row refused with its id; nothing stored."""
    addresses = _address_file(tmp_path)
    text = ("external_id,name,address,lat,lon\n"
            "A1,山田 花子,いわき市川前町三丁目18番1号,,\n"  # row 2: good
            "A4,高橋 清,いわき市川前町9-9-9,,\n"  # row 3: not in the file
            "A5,渡辺 ハル,いわき市田人町5番地,,\n"  # row 4: two places have this address
            "A6,伊藤 実,,,\n")  # row 5: neither position nor address
    report = import_csv(store, "residents", _write(tmp_path, text), user="t", addresses=addresses)
    assert report.failed and store.residents.all() == []
    assert [str(e) for e in report.errors] == [
        ("row 3 (A4), column address: not found in the address data (addresses.osm); give lat and lon "
        "(placing on the map comes with the operator screens)"),
        "row 4 (A5), column address: the address fits 2 different places in addresses.osm; write it in full",
        "row 5 (A6), column lat: must not be empty",
        "row 5 (A6), column lon: must not be empty",
    ]
    report = import_csv(store, "residents", _write(tmp_path, text, "again.csv"), user="t")
    assert report.errors[0].problem.startswith("empty, and no address data to place the row from its address")

