"""Run benchmarks: `python -m benchmarks all|NAME [options]` (see `make bench`)."""

from __future__ import annotations

import importlib
import sys

# name -> module with a `main(argv) -> int`
BENCHMARKS = {
    "matrix": "benchmarks.bench_matrix",
    "solver": "benchmarks.bench_solver",
    "planning": "benchmarks.bench_planning",
    "scale": "benchmarks.bench_scale",
    "shapes": "benchmarks.bench_shapes",
    "speeds": "benchmarks.bench_speeds",
    "web": "benchmarks.bench_web",
    "reliability": "benchmarks.bench_reliability",
    "booking": "benchmarks.bench_booking",
    "load": "benchmarks.bench_load",
    "fuzz": "benchmarks.bench_fuzz",
    "fingerprint": "benchmarks.bench_fingerprint",
    "live": "benchmarks.bench_live",
    "closures": "benchmarks.bench_closures",
    "evidence": "benchmarks.bench_evidence",
    "replan": "benchmarks.bench_replan",
    "darp": "benchmarks.bench_darp",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        print("benchmarks:", ", ".join(BENCHMARKS))
        return 0
    name, rest = argv[0], argv[1:]
    names = list(BENCHMARKS) if name == "all" else [name]
    status = 0
    for n in names:
        if n not in BENCHMARKS:
            print(f"error: unknown benchmark {n!r}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2
        status |= importlib.import_module(BENCHMARKS[n]).main(rest)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
