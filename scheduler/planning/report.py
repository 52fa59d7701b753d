"""The text summary of a planning run, for staff at the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from routing.errors import InputError
from scheduler.compiler import CompiledWeek
from scheduler.domain import city_id

if TYPE_CHECKING:
    from scheduler.planning.run import PlanResult
    from scheduler.store import Store

__all__ = ["format_result"]


def format_result(result: PlanResult, store: Store | None = None) -> list[str]:
    """Describe a planning result for staff (may show residents' names when `store` is given).

    Parameters
    ----------
    result
        From `plan_week`.
    store
        When given, unassigned requests are labelled with the resident's name.
    """
    p = result.plan
    s = p.summary
    lines = [f"week {p.week_start.isoformat()} plan v{p.version} (id {p.id}, {p.status.value})"]
    if s["broken_promises"]:
        lines.append(f"!! {len(s['broken_promises'])} PROMISE(S) CANNOT BE KEPT — call the resident(s) back:")
        for u in result.broken_promises:
            lines.append(f"!!   {_label(u.request_id, result.compiled, store)}: {u.reason}")
    broken_sessions = s.get("broken_sessions", [])
    if broken_sessions:
        lines.append(f"!! {len(broken_sessions)} ANNOUNCED SESSION(S) CANNOT BE HELD — tell the district(s):")
        for u in p.unassigned:
            if u.request_id in broken_sessions:
                lines.append(f"!!   {_label(u.request_id, result.compiled, store)}: {u.reason}")
    split = [result.compiled.requests[rid] for rid in s.get("split_errands", []) if rid in result.compiled.requests]
    if split:
        lines.append(f"! {len(split)} errand(s) reach the door on separate trips (one line per shop on the "
                     f"sheets): {', '.join(city_id(r) for r in split)}")
    kinds = sorted(set(s["served_by_kind"]) | set(s["unassigned_by_kind"]))
    lines.append(f"requests: {s['served']} served, {s['unassigned']} unassigned (of {s['requests']} due)")
    for k in kinds:
        lines.append(f"  {k:8s} served {s['served_by_kind'].get(k, 0):4d}   unassigned {s['unassigned_by_kind'].get(k, 0):4d}")
    lines.append(f"promises kept: {s['promises_kept']} of {s['promised']}")
    lines.append(f"driving: {s['driving_s'] / 3600:.2f} h, {s['distance_m'] / 1000:.1f} km on {s['routes']} of "
                 f"{s['shifts']} shifts")
    t = result.timings
    lines.append(f"wall time: {t.get('total_s', 0):.1f} s (compile {t.get('compile_s', 0):.1f} s, solve "
                 f"{t.get('solve_s', 0):.1f} s, store {t.get('store_s', 0):.1f} s)")
    others = [u for u in p.unassigned if u.request_id not in s["broken_promises"]
              and u.request_id not in broken_sessions]
    if others:
        lines.append("unassigned:")
        for u in others:
            lines.append(f"  {_label(u.request_id, result.compiled, store)}: {u.reason}")
    return lines


def _label(rid: int, compiled: CompiledWeek, store: Store | None) -> str:
    req = compiled.requests.get(rid)
    kind = req.kind.value if req else "?"
    text = f"request {city_id(req) if req else f'#{rid}'} ({kind})"
    if store is not None and req is not None and req.resident_id is not None:
        try:
            text += f" {store.residents.get(req.resident_id).name}"
        except InputError:
            pass
    return text
