"""The population per district from CSV: Excel's Shift_JIS read, every bad row listed and nothing imported."""

from __future__ import annotations

import pytest

from routing.errors import InputError
from scheduler.evidence.population import import_population
from scheduler.store import Store


@pytest.fixture
def store():
    with Store.open() as s:
        yield s


def _rows(store):
    return [tuple(r) for r in store.db.execute("SELECT district, population, label FROM district_population ORDER BY district")]


def test_a_shift_jis_file_is_imported_and_replaces_the_table(store, tmp_path):
    path = tmp_path / "population.csv"
    path.write_bytes("district,population,label\r\n上地区,1200,65歳以上\r\n下地区,\"1,050\",65歳以上\r\n".encode("cp932"))
    assert import_population(store, path) == 2
    assert _rows(store) == [("上地区", 1200, "65歳以上"), ("下地区", 1050, "65歳以上")]
    path.write_text("\ufeffdistrict,population\n上地区,900\n", encoding="utf-8")
    assert import_population(store, path) == 1
    assert _rows(store) == [("上地区", 900, "")]


def test_bad_rows_are_all_listed_and_nothing_is_imported(store, tmp_path):
    path = tmp_path / "population.csv"
    path.write_text("district,population\n上地区,1200\n,30\n下地区,many\n上地区,5\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_population(store, path)
    text = str(caught.value)
    assert "3 bad rows" in text and "row 3" in text and "row 4" in text and "row 5" in text
    assert _rows(store) == []


def test_a_superscript_or_negative_count_is_a_bad_row_not_a_crash(store, tmp_path):
    """'²'.isdigit() is true, but int('²') fails: the row is listed like any other bad count."""
    path = tmp_path / "population.csv"
    path.write_text("district,population\n上地区,²\n下地区,-5\n中地区,１２\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_population(store, path)
    text = str(caught.value)
    assert "2 bad rows" in text and "row 2" in text and "row 3" in text and "row 4" not in text
    assert _rows(store) == []


def test_a_control_character_or_an_overlong_name_is_a_bad_row(store, tmp_path):
    """Bytes no encoding reads well (a NUL) or a name longer than a district's are listed, nothing stored."""
    path = tmp_path / "population.csv"
    path.write_bytes(b"district,population\n\xff\xfe\x00bad,1\n" + ("x" * 101 + ",2\n").encode() + b"ok,3\n")
    with pytest.raises(InputError) as caught:
        import_population(store, path)
    text = str(caught.value)
    assert "2 bad rows" in text and "row 2" in text and "control character" in text and "row 3" in text
    assert _rows(store) == []
