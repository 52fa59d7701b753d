"""The solver benchmark's instance sets (`benchmarks.bench_solver`): the Gehring & Homberger sample is a rule."""

from __future__ import annotations

import pytest

from benchmarks import bench_solver


def test_the_homberger_sample_is_the_first_and_sixth_of_each_class(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_solver, "DATA", tmp_path)
    for sub in ("solomon100", "lilim100", "homberger200"):
        (tmp_path / sub).mkdir()
    (tmp_path / "solomon100" / "C101.txt").write_text("")
    found = bench_solver._instances(None, False, ("homberger",))
    assert [p.stem for _, p in found] == ["c1_2_1", "c1_2_6", "c2_2_1", "c2_2_6", "r1_2_1", "r1_2_6",
                                         "r2_2_1", "r2_2_6", "rc1_2_1", "rc1_2_6", "rc2_2_1", "rc2_2_6"]
    assert {kind for kind, _ in found} == {"homberger"}
    assert [p.stem for _, p in bench_solver._instances(None, False)] == ["C101"]  # the default sets leave it out


def test_an_unknown_set_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as exit_:
        bench_solver.main(["--sets", "solomon,cvrp", "--no-write"])
    assert exit_.value.code == 2
    assert "--sets: unknown set 'cvrp'" in capsys.readouterr().err
