"""Tasks held to a vehicle by its ``steps`` (re-planning): locked tasks stay on it, fixed steps start its route.

`hold` runs after the pre-check (`scheduler.vrp.precheck.prepare`) and
before the search. A task named in a vehicle's ``steps`` may be served by
that vehicle only (`Model.allowed`), with all its windows on one node (no
alternative per window). A held task the vehicle cannot serve alone, or a
fixed step that cannot be timed in its place, is left out with the code
``fixed_step_broken`` and the reason. The fixed steps of a vehicle kept are
the longest leading part of them that can be timed in the given order, with
the deliveries of fixed pick-ups right after them (`Model.fixed`); the
search then never inserts anything before or between them
(`scheduler.vrp.construct.Builder.fixed`, the ruin in `scheduler.vrp.lns`,
the chain of ``NextVar`` in `scheduler.vrp.ortools_model`).
"""

from __future__ import annotations

from scheduler.vrp.construct import Builder, NodeTable, tightened
from scheduler.vrp.model import Model, node_layout, node_travel

__all__ = ["BROKEN", "hold"]

#: The reason code of a held task that cannot be kept.
BROKEN = "fixed_step_broken"


def hold(model: Model) -> Model:
    """Restrict held tasks to their vehicle and keep the fixed steps that can be timed; return `model`."""
    tasks, vehicles = model.tasks, model.problem.vehicles
    if not any(v.steps for v in vehicles):
        return model
    for t, task in enumerate(tasks):
        if task.held is None:
            continue
        name = _vehicle_name(model, task.held)
        if t in model.reasons:
            model.reasons[t] = (BROKEN, f"held to {name}, but {model.reasons[t][1]}")
        elif task.held not in model.allowed.get(t, []):
            model.reasons[t] = (BROKEN, f"held to {name}, which cannot serve it alone")
        else:
            model.allowed[t] = [task.held]
            model.alternatives.pop(t, None)
    model.modelled = [t for t in range(len(tasks)) if t not in model.reasons]
    _keep_fixed(model)
    model.modelled = [t for t in range(len(tasks)) if t not in model.reasons]
    return model


def _keep_fixed(model: Model) -> None:
    """Set `Model.fixed` to the longest timeable leading part of each vehicle's fixed steps; leave out the rest."""
    tasks = model.tasks
    index = {(task.kind, task.id): t for t, task in enumerate(tasks)}
    nodes = node_layout(model)
    table = tightened(model, NodeTable(task=nodes.task, windows=nodes.windows, allowed=nodes.allowed,
                                       on_site=nodes.on_site, starts=nodes.starts, ends=nodes.ends))
    builder = Builder(model, table, node_travel(model, nodes))
    node_of = {t: i for i, t in enumerate(nodes.task)}
    for k, vehicle in enumerate(model.problem.vehicles):
        wanted = [index[(step.kind, step.id)] for step in vehicle.steps if step.fixed]
        usable = 0
        while usable < len(wanted) and wanted[usable] in node_of:
            usable += 1
        kept = usable
        while kept and builder.timer.schedule(k, _with_deliveries(builder, [node_of[t] for t in wanted[:kept]])) is None:
            kept -= 1
        if kept:
            model.fixed[k] = wanted[:kept]
        for pos, t in enumerate(wanted[kept:], start=kept):
            if t in model.reasons:
                continue
            why = (f"fixed step {pos + 1} of {_vehicle_name(model, k)} cannot be kept in order"
                   + (" after the steps before it" if pos else "") + " (windows, breaks, loads or hours)")
            model.reasons[t] = (BROKEN, why)
            partner = tasks[t].partner
            if partner is not None:
                model.reasons.setdefault(partner, (BROKEN, f"its {tasks[t].kind} is a broken fixed step"))


def _with_deliveries(builder: Builder, prefix: list[int]) -> list[int]:
    return prefix + builder.open_deliveries(prefix)


def _vehicle_name(model: Model, k: int) -> str:
    return f"vehicle {model.problem.vehicles[k].id}"
