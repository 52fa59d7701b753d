"""Parameters of one solve, as data (like PyVRP's ``SolveParams``).

A `SolveParams` can be built in code, from a dict, from a JSON file::

    {"time_limit_s": 5, "seed": 1, "metaheuristic": "GUIDED_LOCAL_SEARCH"}

or from a problem's ``options`` (`SolveParams.from_options`). Where several
sources set a field, the first of these wins: explicit command-line flags,
a ``--params`` file, the problem's ``options``, the defaults.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from routing.errors import InputError

__all__ = ["FIRST_SOLUTIONS", "METAHEURISTICS", "ParamsError", "SolveParams"]

#: First-solution strategies the solver accepts (names of OR-Tools'
#: ``FirstSolutionStrategy``); ``AUTO`` picks one from the problem's shape.
FIRST_SOLUTIONS = (
    "AUTO", "COMMITMENTS_FIRST_INSERTION", "AUTOMATIC", "PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION",
    "GLOBAL_CHEAPEST_ARC", "LOCAL_CHEAPEST_ARC", "PATH_CHEAPEST_ARC", "SAVINGS",
    "CHRISTOFIDES", "SEQUENTIAL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_COST_INSERTION",
    "PATH_MOST_CONSTRAINED_ARC", "BEST_INSERTION", "FIRST_UNBOUND_MIN_VALUE",
)
#: Local-search metaheuristics the solver accepts (OR-Tools names);
#: ``ITERATED_LOCAL_SEARCH`` is OR-Tools' ruin-and-recreate iterated local
#: search (SISR removals, see the ``ruin_*`` fields of `SolveParams`).
METAHEURISTICS = (
    "AUTOMATIC", "GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH",
    "GENERIC_TABU_SEARCH", "GREEDY_DESCENT", "ITERATED_LOCAL_SEARCH",
)


#: The problem format's ``options`` keys and the `SolveParams` fields they set.
_OPTION_FIELDS = {"time_limit": "time_limit_s", "seed": "seed", "solution_limit": "solution_limit"}


class ParamsError(InputError):
    """Invalid solve parameters; the message names the field."""


@dataclass
class SolveParams:
    """Settings of one solve.

    Attributes
    ----------
    time_limit_s
        Wall-clock seconds the search may use (the answer is the best found
        by then). Must be positive.
    seed
        Seed of the solver's random choices (large-neighbourhood operators).
    solution_limit
        Stop after this many solutions instead of on the clock; with it the
        result depends only on the input and the seed (deterministic), and a
        single worker is used: nothing before OR-Tools' search looks at the
        clock. Should `time_limit_s` end the search first, the answer says so
        (``summary.search.stopped``: ``time_limit``) and a warning is logged.
        Inside OR-Tools' search two clocks remain (``scheduler.vrp.search.clock_free``):
        a limit of 1 from the commitments-first plan never reaches them. ``None``: no limit.
    first_solution
        How the first solution is built; ``AUTO`` chooses by problem shape
        (see `FIRST_SOLUTIONS`).
    metaheuristic
        How local search escapes local optima (see `METAHEURISTICS`).
    workers
        Processes searching in parallel with different strategies and seeds;
        the best result is kept (ties go to the first worker). 1 = one process.
        Default 2, the cores of the reference machine: with breaks the second
        worker starts from local cheapest insertion, which finds a plan where
        parallel cheapest insertion alone may find none in the time limit.
        A `solution_limit` always runs one process (deterministic).
    gls_lambda
        Guided local search penalty coefficient (OR-Tools'
        ``guided_local_search_lambda_coefficient``).
    ruin_visits_avg
        Iterated local search: average number of visits removed per
        ruin-and-recreate step (SISR's ``avg_num_removed_visits``).
    ruin_sequence_max
        Iterated local search: most visits removed from one route in a step
        (SISR's ``max_removed_sequence_size``). Both default to 15: on 12 hard
        Solomon instances (10 s, 2 workers) 15/15 gave a mean gap to the
        best-known of +1.8 % against +3.3 % with 10/10; 25/20 on 6 of them
        +2.0 % (15/15: +1.6 %); see docs/BENCHMARKS.md.
    ruin_auto_temperatures
        Iterated local search: derive the simulated-annealing acceptance
        temperatures from the arc costs instead of OR-Tools' fixed 100 → 0.01.
    ruin_descent
        Iterated local search: descend to a local optimum after each
        ruin and recreate (OR-Tools' ``improve_perturbed_solution``). Without
        it each iteration is a ruin and a recreate alone, many more per second
        (SISR's own scheme); the second VRPTW worker runs so
        (``scheduler.vrp.portfolio.worker_params``).
    stall_s
        Early stop: the search stops once it has gone this many seconds
        without a real improvement (a commitment kept, more weight served,
        or at least `stall_gain` of the cost saved). ``None``: chosen from the
        problem's size (see ``scheduler.vrp.portfolio.stall_seconds``); ``0``:
        no early stop. `time_limit_s` always bounds the solve.
    stall_gain
        Early stop: the share of the cost a cheaper plan must save to count as
        an improvement (0.001 = 0.1 %).
    split_days
        Above 400 modelled tasks, solve the groups of shifts whose hours never
        overlap (the days) one by one, each task on the day the
        commitments-first plan gave it (``scheduler.vrp.parts``).
    improve_iterations
        Ruin-and-recreate iterations run on the commitments-first plan before
        OR-Tools' search (``scheduler.vrp.lns``). ``None``: as long as they
        keep serving more (see ``scheduler.vrp.search.improve_constructed``), none under
        a `solution_limit`; ``0``: none.
    improve_share
        Ruin and recreate runs for this share of the time left, however long
        it goes without serving more. ``None``: it stops after 2 s (and 50
        iterations) without keeping a commitment more or serving more weight,
        or at 60 % of the time left (``scheduler.vrp.search.improve_constructed``). The
        days of a split week use 0.8 unless set (``scheduler.vrp.parts.PART_IMPROVE_SHARE``).
    """

    time_limit_s: float = 10.0
    seed: int = 0
    solution_limit: int | None = None
    first_solution: str = "AUTO"
    metaheuristic: str = "ITERATED_LOCAL_SEARCH"
    workers: int = 2
    gls_lambda: float = 0.1
    ruin_visits_avg: int = 15
    ruin_sequence_max: int = 15
    ruin_auto_temperatures: bool = True
    ruin_descent: bool = True
    stall_s: float | None = None
    stall_gain: float = 0.001
    split_days: bool = True
    improve_iterations: int | None = None
    improve_share: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.time_limit_s, bool) or not isinstance(self.time_limit_s, (int, float)) \
                or not self.time_limit_s > 0:
            raise ParamsError(f"time_limit_s: expected a positive number, got {self.time_limit_s!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ParamsError(f"seed: expected a non-negative integer, got {self.seed!r}")
        if self.solution_limit is not None and (
                isinstance(self.solution_limit, bool) or not isinstance(self.solution_limit, int)
                or self.solution_limit < 1):
            raise ParamsError(f"solution_limit: expected a positive integer or null, got {self.solution_limit!r}")
        if self.first_solution not in FIRST_SOLUTIONS:
            raise ParamsError(f"first_solution: unknown strategy {self.first_solution!r}")
        if self.metaheuristic not in METAHEURISTICS:
            raise ParamsError(f"metaheuristic: unknown metaheuristic {self.metaheuristic!r}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ParamsError(f"workers: expected a positive integer, got {self.workers!r}")
        if self.improve_iterations is not None and (
                isinstance(self.improve_iterations, bool) or not isinstance(self.improve_iterations, int)
                or self.improve_iterations < 0):
            raise ParamsError(
                f"improve_iterations: expected a non-negative integer or null, got {self.improve_iterations!r}")
        if not isinstance(self.gls_lambda, (int, float)) or self.gls_lambda <= 0:
            raise ParamsError(f"gls_lambda: expected a positive number, got {self.gls_lambda!r}")
        for name in ("ruin_visits_avg", "ruin_sequence_max"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ParamsError(f"{name}: expected a positive integer, got {value!r}")
        if self.stall_s is not None and (isinstance(self.stall_s, bool) or not isinstance(self.stall_s, (int, float))
                                         or self.stall_s < 0):
            raise ParamsError(f"stall_s: expected a non-negative number or null, got {self.stall_s!r}")
        if isinstance(self.stall_gain, bool) or not isinstance(self.stall_gain, (int, float)) \
                or not 0 <= self.stall_gain < 1:
            raise ParamsError(f"stall_gain: expected a number in [0, 1), got {self.stall_gain!r}")
        if self.improve_share is not None and (
                isinstance(self.improve_share, bool) or not isinstance(self.improve_share, (int, float))
                or not 0 < self.improve_share < 1):
            raise ParamsError(f"improve_share: expected a number in (0, 1) or null, got {self.improve_share!r}")
        if not isinstance(self.split_days, bool):
            raise ParamsError(f"split_days: expected true or false, got {self.split_days!r}")
        if not isinstance(self.ruin_descent, bool):
            raise ParamsError(f"ruin_descent: expected true or false, got {self.ruin_descent!r}")
        if not isinstance(self.ruin_auto_temperatures, bool):
            raise ParamsError(f"ruin_auto_temperatures: expected true or false, got {self.ruin_auto_temperatures!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any], base: SolveParams | None = None) -> SolveParams:
        """Build parameters from a dict, rejecting unknown keys.

        Parameters
        ----------
        data
            Field names of `SolveParams` mapped to values.
        base
            Where the fields missing from `data` come from (default: the
            defaults).
        """
        if not isinstance(data, dict):
            raise ParamsError(f"params: expected an object, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        for key in data:
            if key not in names:
                raise ParamsError(f"params: unknown key {key!r}")
        return cls(**data) if base is None else dataclasses.replace(base, **data)

    @classmethod
    def from_file(cls, path: str | os.PathLike, base: SolveParams | None = None) -> SolveParams:
        """Read parameters from a JSON file (see `from_dict`)."""
        from scheduler.vrp.problem import read_json

        return cls.from_dict(read_json(path, what="params"), base)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], base: SolveParams | None = None) -> SolveParams:
        """Apply a problem's ``options`` over `base`.

        The one place where ``options`` become parameters: `solve` uses it when
        it is given no parameters, the command line as the layer under a
        ``--params`` file and its flags (precedence in the module docstring).

        Parameters
        ----------
        options
            The problem's ``options`` (as checked by ``parse_problem``):
            ``time_limit`` (seconds), ``seed``, ``solution_limit`` (``null``
            means no limit); keys it does not have leave `base` as it is.
        base
            Parameters the options override (default: the defaults).

        Examples
        --------
        >>> SolveParams.from_options({"time_limit": 5, "solution_limit": 20}).time_limit_s
        5
        """
        changes = {name: options[key] for key, name in _OPTION_FIELDS.items() if key in options}
        return dataclasses.replace(base or cls(), **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as a plain dict."""
        return dataclasses.asdict(self)
