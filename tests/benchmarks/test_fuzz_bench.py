"""The longer fuzz run (`benchmarks.bench_fuzz`): registered, and its table and section read the test's figures."""

from __future__ import annotations

from benchmarks import bench_fuzz
from benchmarks.__main__ import BENCHMARKS
from benchmarks.report import write_section
from tests.webapp import test_fuzz

STATS = {"examples": 100, "operations": {
    "POST /api/offers": {"requests": 120, "statuses": {"200": 50, "400": 69, "500": 1}, "seconds": 30.0,
                         "failures": ["operator: curl ... -> 500 internal error"]},
    "GET /api/me": {"requests": 30, "statuses": {"200": 30}, "seconds": 0.4, "failures": []},
}}


def test_the_benchmark_is_registered_and_drives_the_test_of_make_test():
    """``python -m benchmarks fuzz`` exists and sets the switches the fuzz test reads."""
    assert BENCHMARKS["fuzz"] == "benchmarks.bench_fuzz"
    assert (bench_fuzz.EXAMPLES_ENV, bench_fuzz.STATS_ENV) == (test_fuzz.EXAMPLES_ENV, test_fuzz.STATS_ENV)
    assert bench_fuzz.TEST == "tests/webapp/test_fuzz.py" and hasattr(test_fuzz, "test_api_fuzz")


def test_the_table_counts_requests_answers_and_errors_per_operation():
    """One row per operation (by path), answers by class, errors, and the totals."""
    table = bench_fuzz.rows(STATS)
    assert table[0] == ["`GET /api/me`", 30, 30, 0, 0, 0, "0.4"]
    assert table[1] == ["`POST /api/offers`", 120, 50, 69, 1, 1, "30.0"]
    assert table[-1] == ["**all**", 150, 80, 69, 1, 1, "30.4"]


def test_the_section_names_the_command_and_replaces_itself_only(tmp_path):
    """The "Fuzzing" section holds the command and the figures; a re-run replaces it and nothing else."""
    doc = tmp_path / "RELIABILITY.md"
    doc.write_text("# Reliability\n\n## Under load\n\nother figures\n", encoding="utf-8")
    body = bench_fuzz.report(STATS, examples=100, seconds=95.0, status=1)
    assert "python -m benchmarks fuzz --examples 100" in body and "**150 requests, 1 error**" in body
    assert "500 internal error" in body
    write_section("fuzz", "Fuzzing", body, path=doc)
    write_section("fuzz", "Fuzzing", body.replace("150 requests", "151 requests"), path=doc)
    text = doc.read_text(encoding="utf-8")
    assert text.count("<!-- begin fuzz -->") == 1 and "151 requests" in text and "150 requests" not in text
    assert text.startswith("# Reliability\n\n## Under load\n\nother figures\n")
