"""The routing engine: a general vehicle-routing solver that knows nothing of residents.

It reads and writes the odekake problem format (``docs/PROBLEM_FORMAT.md``, in the
style of VROOM's): `problem` parses and checks a problem, `params` holds the search
settings, `solver.solve` wires the parts (`model`, `precheck`, `construct`, `lns`,
`search`, `portfolio`, `parts`, `steps`), `ortools_model` is the only module that
imports OR-Tools, `validator` checks a solution independently of the solver, and
`cli` is ``python -m scheduler solve|validate``.
Nothing here imports the rest of `scheduler`; the municipal service builds on it.
"""
