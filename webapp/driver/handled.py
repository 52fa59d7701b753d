"""What the driver's 完了 records on the tablet (issue 27): the pre-filled counts on a card, read back from its form.

`prefills` gives each card of a route whose 完了 records something (a home visit, a hall session,
an errand's or a ride's drop-off; `scheduler.evidence.records.RECORDING_STEPS`) what it shows
before the crew changes anything, `default_handled`'s answer: the requested services ×1 (a visit,
the other services of the catalogue at 0 beside them), the booked seats' services and a walk-in
counter per service (a hall session), the boxes and the amount collected (an errand), the
passengers (a ride). `handled_from_form` reads the 完了 form's fields back into the API's
``handled`` object (the form without JavaScript posts them; the script sends the same object).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from routing.errors import InputError
from scheduler.domain import MAX_AMOUNT_YEN
from scheduler.evidence.records import MAX_COUNT, RECORDING_STEPS, default_handled

__all__ = ["Prefill", "handled_from_form", "prefills"]


@dataclass
class Prefill:
    """What a card's 完了 shows: counts per service code (and walk-ins), boxes, amount, passengers."""

    step_type: str
    kind: str
    services: dict[str, int] = field(default_factory=dict)  # asked for (a visit) or booked (a session)
    others: list[str] = field(default_factory=list)  # the catalogue's other services (at 0)
    walk_ins: list[str] = field(default_factory=list)  # a hall session: a counter per service
    boxes: int | None = None
    collected_yen: int | None = None
    passengers: int | None = None


def prefills(store, stops) -> dict[int, Prefill]:
    """Return the pre-fill of each card (`webapp.plan_views.StopCard`) whose 完了 records something, by stop id."""
    codes = [s.code for s in store.services.all()]
    out: dict[int, Prefill] = {}
    for card in stops:
        if not card.reportable or card.step_type not in RECORDING_STEPS or card.request_id is None:
            continue
        req = store.requests.get(card.request_id)
        seats = [b.services for b in store.session_bookings.find(session_request_id=req.id, day=card.day)
                 if not b.cancelled] if card.step_type == "session" else []
        given = default_handled(req.kind.value, card.step_type, dataclasses.asdict(req.details), seats)
        prefill = Prefill(card.step_type, req.kind.value, services=given.get("services", {}),
                          boxes=given.get("boxes"), collected_yen=given.get("collected_yen"),
                          passengers=given.get("passengers"))
        if "services" in given:
            prefill.others = [c for c in codes if c not in prefill.services]
        if card.step_type == "session":
            prefill.walk_ins = codes
        out[card.id] = prefill
    return out


def _whole(form: Mapping[str, str], name: str, field_name: str, limit: int = MAX_COUNT) -> int:
    text = (form.get(name) or "0").strip()
    if not text.isdecimal() or int(text) > limit:  # isdigit() is true of ², which int() refuses
        raise InputError.of(field_name, "{value!r} is not a whole number from 0 to {limit}", value=text[:20],
                            limit=limit)
    return int(text)


def handled_from_form(form: Mapping[str, str], prefill: Prefill | None) -> dict[str, Any] | None:
    """Return the ``handled`` object of a 完了 form's fields (``svc-<code>``, ``walk-<code>``, ``boxes``,
    ``collected_yen``, ``passengers``); None when the card records nothing. `InputError` names the field."""
    if prefill is None:
        return None
    out: dict[str, Any] = {}
    services = {k[4:]: _whole(form, k, f"handled.services.{k[4:]}") for k in form if k.startswith("svc-")}
    if services or prefill.services or prefill.others:
        out["services"] = {c: n for c, n in services.items() if n}
    walk_ins = {k[5:]: _whole(form, k, f"handled.walk_ins.{k[5:]}") for k in form if k.startswith("walk-")}
    if walk_ins:
        out["walk_ins"] = {c: n for c, n in walk_ins.items() if n}
    for name in ("boxes", "passengers", "collected_yen"):
        if name in form:
            out[name] = _whole(form, name, f"handled.{name}", limit=MAX_AMOUNT_YEN if name == "collected_yen" else MAX_COUNT)
    return out
