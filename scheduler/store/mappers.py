"""Row mappers: each entity's dataclass to its table row and back, one `Mapper` per entity.

Row conventions: enums as their values, dates and datetimes as ISO text,
booleans as 0/1, nested values as JSON text. A mapper's ``to_row`` leaves out
the ``id`` (the database gives it); its ``from_row`` reads the id back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Callable
from typing import Generic, TypeVar

from scheduler.accounts import (
    ApiToken,
    AuditEntry,
    LoginSession,
    LoginThrottle,
    Role,
    User,
)
from scheduler.closures import RoadClosure
from scheduler.domain import (
    CallOutcome,
    Plan,
    PlanStatus,
    PlanStop,
    Request,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Resident,
    Service,
    SessionBooking,
    ShiftException,
    Site,
    SiteKind,
    Skill,
    TimeWindow,
    UnassignedRequest,
    Vehicle,
)
from scheduler.locks import Lock
from scheduler.plan_job import JobPhase, JobState, PlanJob
from scheduler.store.text import phone_digits

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Mapper(Generic[T]):
    """How one entity is stored: its dataclass to a row dict and a row dict back.

    Parameters
    ----------
    to_row
        Object → column values (without ``id``).
    from_row
        Row as sqlite-utils returns it (``id`` included) → object.
    """

    to_row: Callable[[T], dict]
    from_row: Callable[[dict], T]


# --------------------------------------------------------------------------- value helpers


def _json_default(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    msg = f"cannot store {type(value).__name__} as JSON"
    raise TypeError(msg)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _window_dict(w: TimeWindow) -> dict:
    return {"day": w.day.isoformat(), "start_s": w.start_s, "end_s": w.end_s}


def _window(d: dict | None) -> TimeWindow | None:
    return None if d is None else TimeWindow(dt.date.fromisoformat(d["day"]), d["start_s"], d["end_s"])


# --------------------------------------------------------------------------- people and places


def _resident_row(r: Resident) -> dict:
    return {
        "external_id": r.external_id, "name": r.name, "kana": r.kana, "phone": r.phone,
        "address": r.address, "lat": float(r.lat), "lon": float(r.lon), "district": r.district,
        "notes": r.notes, "contact_name": r.contact_name, "contact_phone": r.contact_phone,
        "consent": int(bool(r.consent)), "phone_digits": phone_digits(r.phone),
    }


def _resident(row: dict) -> Resident:
    return Resident(
        name=row["name"], kana=row["kana"], phone=row["phone"], address=row["address"],
        lat=row["lat"], lon=row["lon"], district=row["district"], notes=row["notes"],
        contact_name=row["contact_name"], contact_phone=row["contact_phone"],
        consent=bool(row["consent"]), external_id=row["external_id"], id=row["id"],
    )


def _site_row(s: Site) -> dict:
    return {
        "external_id": s.external_id, "name": s.name, "kind": SiteKind(s.kind).value,
        "lat": float(s.lat), "lon": float(s.lon), "address": s.address,
        "opening_hours": _dumps({str(wd): [list(span) for span in spans]
                                 for wd, spans in s.opening_hours.items()}),
    }


def _site(row: dict) -> Site:
    # Site accepts both stored shapes: intervals per day, and the single
    # [open, close] pair of databases before migration 0003.
    hours = {int(wd): spans for wd, spans in json.loads(row["opening_hours"]).items()}
    return Site(
        name=row["name"], kind=SiteKind(row["kind"]), lat=row["lat"], lon=row["lon"],
        address=row["address"], opening_hours=hours, external_id=row["external_id"], id=row["id"],
    )


# --------------------------------------------------------------------------- fleet and services


_VEHICLE_INTS = ("cost_per_hour", "fixed_cost", "work_start_s", "work_end_s",
                 "lunch_earliest_s", "lunch_latest_end_s", "lunch_s")


def _vehicle_row(v: Vehicle) -> dict:
    row = {
        "external_id": v.external_id, "name": v.name, "depot_site_id": v.depot_site_id,
        "capacity": _dumps(dict(v.capacity)), "skills": _dumps([Skill(s).value for s in v.skills]),
        "workdays": _dumps(list(v.workdays)), "active": int(bool(v.active)),
    }
    row.update({name: getattr(v, name) for name in _VEHICLE_INTS})
    return row


def _vehicle(row: dict) -> Vehicle:
    return Vehicle(
        name=row["name"], depot_site_id=row["depot_site_id"], capacity=json.loads(row["capacity"]),
        skills=tuple(Skill(s) for s in json.loads(row["skills"])),
        workdays=tuple(json.loads(row["workdays"])), active=bool(row["active"]),
        external_id=row["external_id"], id=row["id"], **{name: row[name] for name in _VEHICLE_INTS},
    )


def _exception_row(e: ShiftException) -> dict:
    return {"vehicle_id": e.vehicle_id, "day": e.day.isoformat(), "reason": e.reason,
            "start_s": e.start_s, "end_s": e.end_s, "note": e.note}


def _exception(row: dict) -> ShiftException:
    return ShiftException(vehicle_id=row["vehicle_id"], day=_date(row["day"]), reason=row["reason"],
                          start_s=row["start_s"], end_s=row["end_s"], note=row["note"], id=row["id"])


def _service_row(s: Service) -> dict:
    return {"code": s.code, "name_ja": s.name_ja, "name_en": s.name_en, "duration_s": s.duration_s,
            "skill": Skill(s.skill).value if s.skill is not None else None, "active": int(bool(s.active))}


def _service(row: dict) -> Service:
    return Service(code=row["code"], name_ja=row["name_ja"], name_en=row["name_en"],
                   duration_s=row["duration_s"], skill=Skill(row["skill"]) if row["skill"] else None,
                   active=bool(row["active"]))


# --------------------------------------------------------------------------- requests


def _request_row(r: Request) -> dict:
    return {
        "external_id": r.external_id, "kind": RequestKind(r.kind).value, "resident_id": r.resident_id,
        "status": RequestStatus(r.status).value, "details": _dumps(dataclasses.asdict(r.details)),
        "windows": _dumps([_window_dict(w) for w in r.windows]),
        "promised": _dumps(_window_dict(r.promised)) if r.promised is not None else None,
        "received_at": r.received_at.isoformat(), "base_priority": r.base_priority, "notes": r.notes,
    }


def _request(row: dict) -> Request:
    # Request.__post_init__ rebuilds the details dataclass of its kind from the dict.
    return Request(
        kind=RequestKind(row["kind"]), details=json.loads(row["details"]),
        resident_id=row["resident_id"], status=RequestStatus(row["status"]),
        windows=[_window(w) for w in json.loads(row["windows"])],
        promised=_window(json.loads(row["promised"])) if row["promised"] else None,
        received_at=_datetime(row["received_at"]), base_priority=row["base_priority"],
        notes=row["notes"], external_id=row["external_id"], id=row["id"],
    )


def _event_row(e: RequestEvent) -> dict:
    return {"request_id": e.request_id, "at": e.at.isoformat(), "user": e.user,
            "received_at": e.received_at.isoformat() if e.received_at else None,
            "from_status": RequestStatus(e.from_status).value if e.from_status is not None else None,
            "to_status": RequestStatus(e.to_status).value, "note": e.note,
            "stop_id": e.stop_id, "action": e.action, "cause": e.cause, "cause_args": _dumps(e.cause_args)}


def _event(row: dict) -> RequestEvent:
    return RequestEvent(
        request_id=row["request_id"], at=_datetime(row["at"]), user=row["user"],
        from_status=RequestStatus(row["from_status"]) if row["from_status"] else None,
        to_status=RequestStatus(row["to_status"]), note=row["note"], id=row["id"],
        stop_id=row.get("stop_id"), action=row.get("action"),
        cause=row.get("cause"), cause_args=json.loads(row.get("cause_args") or "{}"),
        received_at=_datetime(row["received_at"]) if row.get("received_at") else None,
    )


def _booking_row(b: SessionBooking) -> dict:
    return {"session_request_id": b.session_request_id, "resident_id": b.resident_id,
            "day": b.day.isoformat(), "services": _dumps(list(b.services)),
            "cancelled_at": b.cancelled_at.isoformat() if b.cancelled_at is not None else None,
            "cancel_reason": b.cancel_reason, "cancelled_by": b.cancelled_by}


def _booking(row: dict) -> SessionBooking:
    return SessionBooking(session_request_id=row["session_request_id"], resident_id=row["resident_id"],
                          day=_date(row["day"]), services=tuple(json.loads(row["services"])), id=row["id"],
                          cancelled_at=_datetime(row["cancelled_at"]) if row.get("cancelled_at") else None,
                          cancel_reason=row.get("cancel_reason") or "", cancelled_by=row.get("cancelled_by") or "")


# --------------------------------------------------------------------------- plans


def _plan_row(p: Plan) -> dict:
    return {"week_start": p.week_start.isoformat(), "version": p.version,
            "created_at": p.created_at.isoformat(), "created_by": p.created_by,
            "status": PlanStatus(p.status).value, "summary": _dumps(p.summary)}


def _plan(row: dict) -> Plan:
    return Plan(week_start=_date(row["week_start"]), version=row["version"],
                created_at=_datetime(row["created_at"]), created_by=row["created_by"],
                status=PlanStatus(row["status"]), summary=json.loads(row["summary"]), id=row["id"])


_STOP_PLAIN = ("plan_id", "vehicle_id", "seq", "step_type", "arrival_s", "start_s", "departure_s",
               "request_id", "site_id", "resident_id", "lat", "lon", "driving_s", "distance_m", "part")


def _stop_row(s: PlanStop) -> dict:
    row = {name: getattr(s, name) for name in _STOP_PLAIN}
    row.update({"day": s.day.isoformat(), "load": _dumps(list(s.load)),
                "windows": _dumps([list(w) for w in s.windows]) if s.windows else None})
    return row


def _stop(row: dict) -> PlanStop:
    windows = tuple(tuple(w) for w in json.loads(row["windows"])) if row.get("windows") else ()
    return PlanStop(day=_date(row["day"]), load=tuple(json.loads(row["load"])), id=row["id"], windows=windows,
                    **{name: row[name] for name in _STOP_PLAIN})


def _unassigned_row(u: UnassignedRequest) -> dict:
    return {"plan_id": u.plan_id, "request_id": u.request_id, "reason": u.reason,
            "day": u.day.isoformat() if u.day else None}


def _unassigned(row: dict) -> UnassignedRequest:
    return UnassignedRequest(request_id=row["request_id"], reason=row["reason"],
                             day=_date(row["day"]), plan_id=row["plan_id"])


def _call_row(c: CallOutcome) -> dict:
    return {"day": c.day.isoformat(), "request_id": c.request_id, "stop_id": c.stop_id, "outcome": c.outcome,
            "note": c.note, "user": c.user, "at": c.at.isoformat(), "told": c.told, "expected": c.expected}


def _call(row: dict) -> CallOutcome:
    return CallOutcome(day=_date(row["day"]), request_id=row["request_id"], stop_id=row["stop_id"],
                       outcome=row["outcome"], note=row["note"], user=row["user"], at=_datetime(row["at"]),
                       told=row["told"], expected=row["expected"], id=row["id"])


# --------------------------------------------------------------------------- one mapper per entity

RESIDENT: Mapper[Resident] = Mapper(_resident_row, _resident)
SITE: Mapper[Site] = Mapper(_site_row, _site)
VEHICLE: Mapper[Vehicle] = Mapper(_vehicle_row, _vehicle)
SHIFT_EXCEPTION: Mapper[ShiftException] = Mapper(_exception_row, _exception)
SERVICE: Mapper[Service] = Mapper(_service_row, _service)
REQUEST: Mapper[Request] = Mapper(_request_row, _request)
REQUEST_EVENT: Mapper[RequestEvent] = Mapper(_event_row, _event)
SESSION_BOOKING: Mapper[SessionBooking] = Mapper(_booking_row, _booking)
PLAN: Mapper[Plan] = Mapper(_plan_row, _plan)  # the plan row only; the store loads stops and unassigned
PLAN_STOP: Mapper[PlanStop] = Mapper(_stop_row, _stop)
UNASSIGNED: Mapper[UnassignedRequest] = Mapper(_unassigned_row, _unassigned)
CALL_OUTCOME: Mapper[CallOutcome] = Mapper(_call_row, _call)


def _closure_row(c: RoadClosure) -> dict:
    return {"way_ids": json.dumps(list(c.way_ids)), "points": json.dumps([list(p) for p in c.points]),
            "edges": json.dumps([list(e) for e in c.edges]), "starts_at": c.start.isoformat(),
            "ends_at": c.end.isoformat(), "note": c.note, "created_by": c.created_by,
            "created_at": c.created_at.isoformat() if c.created_at else None}


def _closure(row: dict) -> RoadClosure:
    return RoadClosure(start=_datetime(row["starts_at"]), end=_datetime(row["ends_at"]),
                       way_ids=tuple(json.loads(row["way_ids"])),
                       points=tuple(tuple(p) for p in json.loads(row["points"])),
                       edges=tuple(tuple(e) for e in json.loads(row["edges"])), note=row["note"],
                       created_by=row["created_by"],
                       created_at=_datetime(row["created_at"]) if row["created_at"] else None, id=row["id"])


ROAD_CLOSURE: Mapper[RoadClosure] = Mapper(_closure_row, _closure)


def _lock_row(lock: Lock) -> dict:
    return {"day": lock.day.isoformat(), "vehicle_id": lock.vehicle_id, "stop_id": lock.stop_id,
            "request_id": lock.request_id, "created_by": lock.created_by,
            "created_at": lock.created_at.isoformat() if lock.created_at else None}


def _lock(row: dict) -> Lock:
    return Lock(day=_date(row["day"]), vehicle_id=row["vehicle_id"], stop_id=row["stop_id"],
                request_id=row["request_id"], created_by=row["created_by"],
                created_at=_datetime(row["created_at"]) if row["created_at"] else None, id=row["id"])


LOCK: Mapper[Lock] = Mapper(_lock_row, _lock)


# --------------------------------------------------------------------------- staff accounts and audit


def _user_row(u: User) -> dict:
    return {"login": u.login, "name": u.name, "role": Role(u.role).value, "vehicle_id": u.vehicle_id,
            "password_hash": u.password_hash, "active": int(bool(u.active)),
            "created_at": u.created_at.isoformat()}


def _user(row: dict) -> User:
    return User(login=row["login"], name=row["name"], role=Role(row["role"]), vehicle_id=row["vehicle_id"],
                password_hash=row["password_hash"], active=bool(row["active"]),
                created_at=_datetime(row["created_at"]), id=row["id"])


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _maybe_datetime(text: str | None) -> dt.datetime | None:
    return None if text is None else _datetime(text)


def _token_row(t: ApiToken) -> dict:
    return {"user_id": t.user_id, "token_sha256": t.token_sha256, "created_at": t.created_at.isoformat(),
            "expires_at": _iso(t.expires_at), "label": t.label, "revoked_at": _iso(t.revoked_at),
            "revoke_reason": t.revoke_reason}


def _token(row: dict) -> ApiToken:
    return ApiToken(user_id=row["user_id"], token_sha256=row["token_sha256"],
                    created_at=_datetime(row["created_at"]), expires_at=_maybe_datetime(row["expires_at"]),
                    label=row["label"], revoked_at=_maybe_datetime(row["revoked_at"]),
                    revoke_reason=row["revoke_reason"], id=row["id"])


_SESSION_TIMES = ("created_at", "expires_at", "last_seen_at", "ended_at")


def _session_row(s: LoginSession) -> dict:
    return {"user_id": s.user_id, "secret_sha256": s.secret_sha256, "end_reason": s.end_reason,
            **{name: _iso(getattr(s, name)) for name in _SESSION_TIMES}}


def _session(row: dict) -> LoginSession:
    return LoginSession(user_id=row["user_id"], secret_sha256=row["secret_sha256"], end_reason=row["end_reason"],
                        id=row["id"], **{name: _maybe_datetime(row[name]) for name in _SESSION_TIMES})


_THROTTLE_TIMES = ("last_failure_at", "window_start", "locked_until")


def _throttle_row(t: LoginThrottle) -> dict:
    return {"key": t.key, "failures": t.failures, "window_failures": t.window_failures,
            **{name: _iso(getattr(t, name)) for name in _THROTTLE_TIMES}}


def _throttle(row: dict) -> LoginThrottle:
    return LoginThrottle(key=row["key"], failures=row["failures"], window_failures=row["window_failures"],
                         **{name: _maybe_datetime(row[name]) for name in _THROTTLE_TIMES})


def _audit_row(a: AuditEntry) -> dict:
    return {"at": a.at.isoformat(), "user": a.user, "action": a.action, "subject": a.subject,
            "subject_ids": _dumps(list(a.subject_ids)), "where_": a.where, "address": a.address}


def _audit(row: dict) -> AuditEntry:
    return AuditEntry(user=row["user"], action=row["action"], subject=row["subject"],
                      subject_ids=tuple(json.loads(row["subject_ids"])), where=row["where_"],
                      at=_datetime(row["at"]), id=row["id"], address=row["address"])


USER: Mapper[User] = Mapper(_user_row, _user)
API_TOKEN: Mapper[ApiToken] = Mapper(_token_row, _token)
AUDIT_ENTRY: Mapper[AuditEntry] = Mapper(_audit_row, _audit)
LOGIN_SESSION: Mapper[LoginSession] = Mapper(_session_row, _session)
LOGIN_THROTTLE: Mapper[LoginThrottle] = Mapper(_throttle_row, _throttle)


# --------------------------------------------------------------------------- background jobs

_JOB_PLAIN = ("created_by", "time_limit_s", "plan_id", "plan_version", "served", "unassigned",
              "error_code", "error_detail", "found_served", "found_unassigned", "found_promises_kept",
              "found_promised", "expected_solve_s")
_JOB_TIMES = ("created_at", "started_at", "phase_started_at", "finished_at")


def _job_row(j: PlanJob) -> dict:
    row = {name: getattr(j, name) for name in _JOB_PLAIN}
    row.update({name: None if getattr(j, name) is None else getattr(j, name).isoformat() for name in _JOB_TIMES})
    row.update(week_start=j.week_start.isoformat(), params=_dumps(j.params), state=JobState(j.state).value,
               phase=None if j.phase is None else JobPhase(j.phase).value, kind=j.kind,
               days=_dumps([d.isoformat() for d in j.days]), args=_dumps(j.args), result=_dumps(j.result))
    return row


def _job(row: dict) -> PlanJob:
    return PlanJob(week_start=_date(row["week_start"]), params=json.loads(row["params"]), state=row["state"],
                   phase=row["phase"], id=row["id"], kind=row["kind"],
                   days=tuple(_date(d) for d in json.loads(row["days"])), args=json.loads(row["args"]),
                   result=json.loads(row["result"]), **{name: row[name] for name in _JOB_PLAIN},
                   **{name: None if row[name] is None else _datetime(row[name]) for name in _JOB_TIMES})


JOB: Mapper[PlanJob] = Mapper(_job_row, _job)
