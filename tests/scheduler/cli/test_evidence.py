"""`odekake evidence rebuild` on a planned and published sample instance (click's CliRunner)."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from scheduler.store import Store
from tests.conftest import planned_sample_copy
from webapp.cli import cli

WEEK = dt.date(2026, 11, 30)


def run(instance, *args: str):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], catch_exceptions=False)


def test_rebuild_sums_the_days_again_and_names_a_bad_date(sample_instance, tmp_path):
    instance = tmp_path / "inst"
    store, _ = planned_sample_copy(sample_instance, instance, WEEK, scale=0.1)
    with store:
        store.db.execute("DELETE FROM figures_days")
        store.db.execute("DELETE FROM figures_counts")
    done = run(instance, "evidence", "rebuild", "--from", WEEK.isoformat(), "--to", (WEEK + dt.timedelta(days=6)).isoformat())
    assert done.exit_code == 0, done.output
    assert done.output.startswith("summed 7 days again")
    with Store.for_instance(instance) as store:
        days = {r[0] for r in store.db.execute("SELECT day FROM figures_days")}
        legs = store.db.execute("SELECT SUM(distance_m) FROM figures_counts WHERE legs = 1").fetchone()[0]
        ends = store.db.execute("SELECT SUM(s.distance_m) FROM plan_stops s JOIN plans p ON p.id = s.plan_id "
                                "WHERE p.status = 'published' AND s.step_type = 'end'").fetchone()[0]
    assert days == {(WEEK + dt.timedelta(days=n)).isoformat() for n in range(7)}
    assert legs == ends > 0
    bad = CliRunner().invoke(cli, ["--instance", str(instance), "evidence", "rebuild", "--from", "2026-13-01"])
    assert bad.exit_code != 0 and "from" in bad.output


def test_population_import_lists_every_bad_row_and_imports_nothing(tmp_path):
    instance = tmp_path / "inst"
    good = tmp_path / "good.csv"
    good.write_bytes("district,population,label\r\n上地区,1200,65歳以上\r\n下地区,\"1,050\",65歳以上\r\n".encode("cp932"))
    done = run(instance, "population", "import", str(good))
    assert done.exit_code == 0, done.output
    assert "population of 2 districts" in done.output
    bad = tmp_path / "bad.csv"
    bad.write_text("district,population\n中地区,10\n,30\n下地区,many\n中地区,5\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["--instance", str(instance), "population", "import", str(bad)])
    assert refused.exit_code == 2
    lines = [line.strip() for line in refused.output.splitlines()]
    assert lines[0] == "3 bad rows, nothing imported:"
    assert [line.split(":")[0] for line in lines[1:]] == ["district", "population", "district"]
    assert [line.split(":")[1].strip() for line in lines[1:]] == ["row 3", "row 4", "row 5"]
    with Store.for_instance(instance) as store:  # the good file's table kept whole
        rows = store.db.execute("SELECT district, population FROM district_population ORDER BY population").fetchall()
    assert [tuple(r) for r in rows] == [("下地区", 1050), ("上地区", 1200)]
    missing = CliRunner().invoke(cli, ["--instance", str(instance), "population", "import", str(tmp_path / "no.csv")])
    assert missing.exit_code != 0 and "no such file" in missing.output
