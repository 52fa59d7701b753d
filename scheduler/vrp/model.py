"""The engine's plain data: what goes into the search and what comes out of it.

`Task` is one node to visit (a job, or one half of a shipment) and `Model`
the pre-checked problem the search builds on (`scheduler.vrp.precheck.prepare`
makes it); `Nodes` is how the search lays the tasks out (one node per task,
or per window of a job with several windows, then the depots; `node_layout`,
`node_travel`); `SearchResult` is what one search found, copied out of
OR-Tools into plain data. Everything here is picklable: the worker processes
of `scheduler.vrp.portfolio` inherit it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.vrp.format import COMMITMENT
from scheduler.vrp.problem import Problem

__all__ = [
    "Model", "Nodes", "SearchResult", "Task", "has_commitments", "has_told", "is_commitment", "moved", "moved_in", "node_layout",
    "node_travel",
]


@dataclass
class Task:
    """One node to visit: a job, or one half of a shipment."""

    kind: str  # "job", "pickup", "delivery"
    id: int
    location: int
    setup: int
    service: int
    windows: list[tuple[int, int]]
    skills: list[int]
    priority: int
    description: str
    delivery: list[int]  # jobs: loaded at the start, dropped here
    pickup: list[int]  # jobs: picked up here, carried to the end
    shipment: int | None = None  # index into problem.shipments
    partner: int | None = None  # task index of the other half
    #: [told_start - margin, told_end + margin]: a service starting outside it moves the resident
    told: tuple[int, int] | None = None
    #: the vehicle (index) whose ``steps`` hold the task: it is served there or not at all
    held: int | None = None

    @property
    def on_site_s(self) -> int:
        return self.setup + self.service


@dataclass
class Model:
    """Plain-data description of what goes into the search (picklable)."""

    problem: Problem
    tasks: list[Task]
    #: task index -> (code, reason) of a task left out up front
    reasons: dict[int, tuple[str, str]]
    allowed: dict[int, list[int]]  # task index -> vehicles able to serve it alone
    #: job index -> [(window, vehicles able to serve it in that window)] for
    #: jobs with several windows: each window becomes its own node, and the
    #: nodes form one disjunction (exactly the contiguous windows the search
    #: filters handle well, instead of a cumul domain with holes)
    alternatives: dict[int, list] = field(default_factory=dict)
    modelled: list[int] = field(default_factory=list)  # task indices in the model
    unusable: list[int] = field(default_factory=list)  # vehicles that cannot run at all
    #: per ``delivery_group`` of two or more shipments: its pickups' task
    #: indices in the order listed (the deliveries are their partners, made
    #: in this order at the door, see `door_windows`)
    groups: list[list[int]] = field(default_factory=list)
    #: vehicle -> task indices of its fixed steps kept (`scheduler.vrp.held`): they start its route in this order
    fixed: dict[int, list[int]] = field(default_factory=dict)


def is_commitment(task: Task) -> bool:
    """Return whether leaving `task` out breaks a commitment: priority 100, or held to a vehicle by its steps."""
    return task.priority >= COMMITMENT or task.held is not None


def has_commitments(model: Model) -> bool:
    """Return whether some modelled task is a commitment (priority 100, or held to a vehicle)."""
    return any(is_commitment(model.tasks[t]) for t in model.modelled)


def has_told(model: Model) -> bool:
    """Return whether some task carries a told time (the objective then counts residents moved)."""
    return any(task.told is not None for task in model.tasks)


def moved(task: Task, begin: int) -> bool:
    """Return whether a service of `task` starting at `begin` moves its resident (outside told time +- margin)."""
    return task.told is not None and not task.told[0] <= begin <= task.told[1]


def moved_in(tasks: list[Task], routes, times) -> int:
    """Return the residents a plan moves: told tasks served outside their told time +- margin, or left out.

    `routes` holds per vehicle its task indices, `times` per vehicle the
    service starts (route start, each task, route end).
    """
    served = [(t, times[k][pos + 1]) for k, route in enumerate(routes) for pos, t in enumerate(route)]
    in_time = sum(1 for t, begin in served if tasks[t].told is not None and not moved(tasks[t], begin))
    return sum(1 for task in tasks if task.told is not None) - in_time



@dataclass(frozen=True)
class SearchResult:
    """What one search found, copied out of OR-Tools into plain (picklable) data.

    Attributes
    ----------
    objective
        OR-Tools' objective of the solution, ``None`` if none was found.
    routes
        Per vehicle: the task indices it serves, in order.
    times
        Per vehicle: service start at the route's start, at each task, at its end.
    breaks
        Per vehicle: {break position in ``vehicle.breaks``: start}.
    status
        OR-Tools' search status name (e.g. ``ROUTING_SUCCESS``).
    first_solution_s
        Seconds from the start of `solve` to the first plan of this search.
    """

    objective: int | None
    routes: tuple[tuple[int, ...], ...]
    times: tuple[tuple[int, ...], ...]
    breaks: tuple[dict[int, int], ...]
    status: str
    #: seconds from the start of `solve` to the search's first plan (None: no plan)
    first_solution_s: float | None = None
    #: why the search stopped: "converged" (early stop), "time_limit",
    #: "solution_limit", "finished" (a descent at its local optimum),
    #: "constructed" (no time to search from the insertion plan)
    stopped: str = "time_limit"

    @classmethod
    def nothing(cls, n_vehicles: int, *, objective: int | None, status: str) -> SearchResult:
        """Return a result with every route empty."""
        return cls(objective, ((),) * n_vehicles, (), (), status)



@dataclass
class Nodes:
    """The model's nodes: one per task (or per window of a multi-window job), then the depots."""

    task: list[int]  # node i < len(task) serves task task[i] ...
    windows: list[list[tuple[int, int]]]  # ... within windows[i] ...
    allowed: list[list[int]]  # ... on one of the vehicles allowed[i]
    location: list[int | None]  # every node, depots included (None: missing start or end)
    on_site: list[int]  # every node: setup + service seconds (0 at depots)
    starts: list[int]  # per vehicle: its start node
    ends: list[int]  # per vehicle: its end node

    def __len__(self) -> int:
        return len(self.location)



def node_layout(model: Model) -> Nodes:
    """Lay out the nodes: modelled tasks (one node per window of a multi-window job), then depots."""
    tasks = model.tasks
    nodes = Nodes([], [], [], [], [], [], [])
    for t in model.modelled:
        for windows, allowed in (
                [([w], fit) for w, fit in model.alternatives[t]] if t in model.alternatives
                else [(tasks[t].windows, model.allowed[t])]):
            nodes.task.append(t)
            nodes.windows.append(windows)
            nodes.allowed.append(allowed)
    nodes.location = [tasks[t].location for t in nodes.task]
    nodes.on_site = [tasks[t].on_site_s for t in nodes.task]
    depot_node: dict[int | None, int] = {}

    def depot(loc: int | None) -> int:
        if loc not in depot_node:
            depot_node[loc] = len(nodes.location)
            nodes.location.append(loc)
            nodes.on_site.append(0)
        return depot_node[loc]

    # the order (start then end of each vehicle in turn) fixes the node numbers
    nodes.starts = [depot(v.start_index) for v in model.problem.vehicles]
    nodes.ends = [depot(v.end_index) for v in model.problem.vehicles]
    return nodes



def node_travel(model: Model, nodes: Nodes) -> dict[str, list[list[int]]]:
    """Return per vehicle profile the driving seconds between the nodes (depots included)."""
    travel = {}
    for p in sorted({v.profile for v in model.problem.vehicles}):
        mat = model.problem.durations[p]
        travel[p] = [[0 if a is None or b is None else mat[a][b] for b in nodes.location] for a in nodes.location]
    return travel

