"""The parts of the independent validator (`scheduler.vrp.validator.validate`).

- `reading`: the validator's own reading of a problem, straight from
  ``docs/PROBLEM_FORMAT.md`` (it never uses the solver's parser);
- `routes`: the shape of a solution's routes, each step matched to its task
  or break;
- `route_checks`: the rules one route must keep (depots, windows, travel,
  breaks, loads, skills and limits, reported figures);
- `plan_checks`: the rules across routes (shipments, delivery groups, coverage, summary).
"""
