"""Command line of the solver core.

    python -m scheduler solve problem.json [-o solution.json] [--time-limit S] [--seed N]
        [--solution-limit N] [--workers N] [--params params.json]
    python -m scheduler validate problem.json solution.json

``solve`` prints the solution JSON (or writes ``-o`` atomically) and exits 0,
even with unassigned tasks; invalid input exits 2 and prints
``{"code": 2, "error": "<field>: <problem>"}``; an internal failure exits 1
with ``{"code": 1, "error": ...}``. ``validate`` prints each violation and
exits 1 if there is any, else prints ``valid`` and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys

from routing.errors import InputError
from routing.files import write_atomic


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors become a one-line JSON error."""

    def error(self, message: str):
        raise InputError(f"arguments: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m scheduler", description="Solve or validate a routing problem.")
    sub = parser.add_subparsers(dest="command", required=True)
    solve = sub.add_parser("solve", help="solve problem.json and print or write the solution")
    solve.add_argument("problem")
    solve.add_argument("-o", "--output", help="write the solution here instead of standard output")
    solve.add_argument("--time-limit", type=float, help="search seconds (overrides options.time_limit)")
    solve.add_argument("--seed", type=int, help="random seed (overrides options.seed)")
    solve.add_argument("--solution-limit", type=int, help="stop after N solutions (deterministic)")
    solve.add_argument("--workers", type=int, help="parallel search processes")
    solve.add_argument("--params", help="JSON file of SolveParams fields")
    check = sub.add_parser("validate", help="check a solution against its problem")
    check.add_argument("problem")
    check.add_argument("solution")
    for p in (solve, check):
        p.error = parser.error  # type: ignore[method-assign]
    return parser


def _solve(args) -> int:
    """Solve with the flags over the --params file over the problem's options over the defaults."""
    from scheduler.vrp.params import SolveParams
    from scheduler.vrp.problem import parse_problem, read_json
    from scheduler.vrp.solver import solve

    data = read_json(args.problem)
    problem = parse_problem(data)
    params = SolveParams.from_options(problem.options)
    if args.params:
        params = SolveParams.from_file(args.params, params)
    flags = {"time_limit_s": args.time_limit, "seed": args.seed, "solution_limit": args.solution_limit,
             "workers": args.workers}
    params = SolveParams.from_dict({k: v for k, v in flags.items() if v is not None}, params)
    solution = solve(problem, params)
    text = json.dumps(solution, ensure_ascii=False, indent=1) + "\n"
    if args.output:
        try:
            write_atomic(args.output, text)
        except OSError as exc:
            raise InputError(f"{args.output}: cannot write solution ({exc.strerror or exc})") from None
    else:
        sys.stdout.write(text)
    return 0


def _validate(args) -> int:
    from scheduler.vrp.problem import read_json
    from scheduler.vrp.validator import validate

    problem = read_json(args.problem)
    solution = read_json(args.solution, what="solution")
    errors = validate(problem, solution)
    for line in errors:
        print(line)
    if not errors:
        print("valid")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status instead of raising.

    Parameters
    ----------
    argv
        Arguments after ``python -m scheduler`` (default: ``sys.argv[1:]``).
    """
    try:
        args = _parser().parse_args(argv)
        if args.command == "solve":
            return _solve(args)
        return _validate(args)
    except InputError as exc:
        print(json.dumps({"code": 2, "error": str(exc)}, ensure_ascii=False))
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except Exception as exc:  # noqa: BLE001 - never show a traceback to the user
        print(json.dumps({"code": 1, "error": f"internal error: {type(exc).__name__}: {exc}"}, ensure_ascii=False))
        return 1


if __name__ == "__main__":
    sys.exit(main())
