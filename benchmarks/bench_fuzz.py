"""Fuzzing, longer: schemathesis over every operation of the API on the whole sample week.

``python -m benchmarks fuzz [--examples 100] [--no-write]``

Runs the test ``tests/webapp/test_fuzz.py::test_api_fuzz`` (schemathesis 4 in
process over the WSGI app, the bearer token of each role an operation allows,
derandomized, the test's fixed clock) the longer way: the whole sample week
instead of a tenth, every phase of schemathesis (the documented examples, the
coverage phase's valid and invalid variants and its calls with methods an
operation lacks, then EXAMPLES generated cases per operation, generation mode
and role), and failures counted rather than stopping at the first::

    ODEKAKE_FUZZ_EXAMPLES=N ODEKAKE_FUZZ_STATS=FILE \\
        python -m pytest -q -p no:cacheprovider tests/webapp/test_fuzz.py -k test_api_fuzz

An error is a 5xx, an error answer that is not JSON ``{"error": ...}``, or a
400 that names no field (a parameter, a body property, a key the body sent,
``body``, or the record of the path's id). Prints a table (requests, answers
by class, errors per operation) and writes it with the command to
docs/RELIABILITY.md, section "Fuzzing" (``--no-write``: print only). Exit
status 1 when it found an error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import REPO, machine_line, markdown_table, write_section

RELIABILITY_MD = REPO / "docs" / "RELIABILITY.md"
TEST = "tests/webapp/test_fuzz.py"
#: The test's switches (`tests.webapp.test_fuzz.EXAMPLES_ENV`, `STATS_ENV`).
EXAMPLES_ENV, STATS_ENV = "ODEKAKE_FUZZ_EXAMPLES", "ODEKAKE_FUZZ_STATS"


def run_fuzz(examples: int, stats_path: Path) -> tuple[int, float]:
    """Run the fuzz test with `examples` cases per operation, mode and role; return pytest's status and seconds."""
    env = {**os.environ, EXAMPLES_ENV: str(examples), STATS_ENV: str(stats_path)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST, "-k", "test_api_fuzz"],
                          cwd=REPO, env=env, check=False)
    return done.returncode, time.perf_counter() - started


def rows(stats: dict) -> list[list[object]]:
    """One row per operation (requests, 2xx, 4xx, 5xx, errors, seconds) and the totals."""
    table, total = [], [0, 0, 0, 0, 0, 0.0]
    for op, figures in sorted(stats["operations"].items(), key=lambda kv: kv[0].split(" ", 1)[::-1]):
        by_class = {k: 0 for k in (2, 4, 5)}
        for code, n in figures["statuses"].items():
            by_class[int(code) // 100] = by_class.get(int(code) // 100, 0) + n
        row = [figures["requests"], by_class[2], by_class[4], by_class[5], len(figures["failures"]),
               figures["seconds"]]
        total = [a + b for a, b in zip(total, row, strict=True)]
        table.append([f"`{op}`", *row[:5], f"{row[5]:.1f}"])
    table.append(["**all**", *total[:5], f"{total[5]:.1f}"])
    return table


def report(stats: dict, *, examples: int, seconds: float, status: int) -> str:
    """The Markdown of the "Fuzzing" section: how it was run, the table, the errors found."""
    table = rows(stats)
    requests, errors = table[-1][1], table[-1][5]
    failures = [f"- `{op}`: {text}" for op, figures in sorted(stats["operations"].items())
                for text in figures["failures"][:3]]
    command = (f"`python -m benchmarks fuzz --examples {examples}` (that is, `{EXAMPLES_ENV}={examples} "
               f"{STATS_ENV}=FILE python -m pytest -q {TEST} -k test_api_fuzz`)")
    lines = [
        "Written by `python -m benchmarks fuzz` (`benchmarks/bench_fuzz.py`); `make test` runs the same test",
        "shorter (a tenth of the sample week, the coverage phase's invalid variants and 6 generated cases",
        "per operation and mode, about 1,100 requests, under a minute) and fails on the first error.",
        "",
        f"Command: {command}; {machine_line()}; {seconds:.0f} s in all.",
        "schemathesis 4 in process over the WSGI app (`from_wsgi(\"/api/openapi.json\", app)`), every operation with",
        "the bearer token of each role it allows (dispatcher, operator, driver; admin where no other may),",
        "derandomized on the tests' fixed clock, the whole sample week, every phase (examples, coverage with",
        "valid and invalid variants and unexpected methods, generated cases); the stop sheet's PDF printer is a",
        "stub (test_sheet.py prints for real). An **error** is a 5xx, an error answer that is not JSON",
        "`{\"error\": ...}`, or a 400 that names no field.",
        "",
        markdown_table(["operation", "requests", "2xx", "4xx", "5xx", "errors", "seconds"], table),
        "",
        f"**{requests:,} requests, {errors} error{'' if errors == 1 else 's'}**" + (" (pytest failed)" if status and not errors else "") + ".",
    ]
    if failures:
        lines += ["", "Errors found (the first three per operation):", "", *failures]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the longer fuzz; print the table; write it to docs/RELIABILITY.md unless --no-write."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100,
                        help="generated cases per operation, generation mode and role (default 100)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch the docs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="odekake-fuzz-") as tmp:
        stats_path = Path(tmp) / "stats.json"
        print(f"fuzzing every operation with {args.examples} generated cases per mode and role ...", flush=True)
        status, seconds = run_fuzz(args.examples, stats_path)
        if not stats_path.exists():
            print(f"error: the fuzz test wrote no figures (pytest exit status {status})", file=sys.stderr)
            return 1
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
    body = report(stats, examples=args.examples, seconds=seconds, status=status)
    print(body)
    if not args.no_write:
        write_section("fuzz", "Fuzzing", body, path=RELIABILITY_MD)
        print(f"written to {RELIABILITY_MD.relative_to(REPO)} (section \"Fuzzing\")")
    return 1 if status or rows(stats)[-1][5] else 0
