"""Operators booking on the phone and a dispatcher re-planning the week, against one ``odekake serve``.

Run by ``python -m benchmarks load`` (benchmarks/bench_load.py), which builds
the instance, starts the server and writes the run's settings to the JSON file
named by ``$ODEKAKE_LOAD_CONFIG``; by hand::

    ODEKAKE_LOAD_CONFIG=run.json locust -f benchmarks/locustfile.py --headless \\
        -u 21 -r 5 -t 60s -H http://127.0.0.1:PORT --csv OUT --stop-timeout 60

(``-u`` = the operators + 1 dispatcher.) Each client writes one JSON line per
answer it got to the config's ``records`` file: what the resident was told
(a booking's request id and promised window, a cancellation), what failed,
and how long each call took. The benchmark checks those lines against the
database after the run.

**Operator** (`Operator`, bearer token of an ``operator`` account): one task
is one phone call. Most calls are a new request: a draft for a sample
resident (a visit with one service of the catalogue, or an errand from one
or two of the district's shops; Monday to Friday of the week; a random
preference), ``POST /api/offers``, then — the resident thinks and picks one
of the first three offers — ``POST /api/bookings`` with that offer; a 409
"just taken" comes with fresh offers, and the resident takes the first of
them (once); a 409 "already booked" (the resident has this need booked at
an overlapping time) should never come, as no client means a second booking. About one call in six (``cancel_share``) is a
resident cancelling one of this operator's own bookings:
``DELETE /api/bookings/<id>`` with a reason.

Think time (``think_s``, default 2–6 s, uniform): between two calls, and
between reading out the offers and booking. A real call takes minutes; the
compressed pace makes 20 operators a heavy morning (about one booking per
operator every 8–10 s).

A 503 (the system busy: nothing was done) is recorded and the call tried
again after its ``Retry-After``, twice at most, as a person would press the
button again; every 503 still counts as an error.

No client ever means to double-book: a resident and kind (visit, errand)
is *claimed* by the call that books it (process-wide: all users run in one
locust process) and only freed by a 4xx answer or a cancellation; pairs
that already had a request before the run are never drafted. So any two live
requests of one resident and kind with overlapping promised windows are
the system's doing.

**Dispatcher** (`Dispatcher`, one, spawned first): ``replan_at_s`` seconds
into the run it starts a re-plan of the same week (``POST
/api/weeks/<monday>/plan`` with ``time_limit_s``), follows the job (``GET
/api/jobs/<id>`` each second) and, once it is done, publishes the latest
version (``POST /api/weeks/<monday>/plan/publish``), as the dispatcher's
screen would after a look at the result.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from locust import HttpUser, constant, task

#: Preferences a resident may state on the phone.
PREFS = [{}, {"mornings": True}, {"afternoons": True}, {"not": ["wed"]}, {"after": "10:00"}, {"before": "15:00"}]
#: The reason an operator types when a resident cancels.
CANCEL_REASON = "住民から取消の電話（負荷試験）"
#: Seconds a client waits for one answer before it counts the call as failed.
TIMEOUT_S = 120
#: Times a client tries a call again after a 503 (busy), as a person would.
BUSY_RETRIES = 2

_config: dict | None = None
#: (resident, kind) pairs a call is booking or has booked (see the module's docstring).
_claimed: set[tuple[int, str]] = set()
_records = None


def config() -> dict:
    """Return the run's settings (``$ODEKAKE_LOAD_CONFIG``), read once."""
    global _config
    if _config is None:
        _config = json.loads(Path(os.environ["ODEKAKE_LOAD_CONFIG"]).read_text(encoding="utf-8"))
        _claimed.update((int(r), str(k)) for r, k in _config["taken"])
    return _config


def record(what: str, /, **fields) -> None:
    """Append one answer a client got to the records file (one JSON line, flushed at once)."""
    global _records
    if _records is None:
        _records = Path(config()["records"]).open("a", encoding="utf-8")  # noqa: SIM115 (kept open for the run)
    fields.update(type=what, t=round(time.time() - config()["started_at"], 3))
    _records.write(json.dumps(fields, ensure_ascii=False) + "\n")
    _records.flush()


def _json(response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _call(user: HttpUser, method: str, url: str, *, name: str, body: dict | None = None,
          ok: tuple[int, ...] = (200, 201, 202)) -> tuple[int, dict, float]:
    """Make one call; return its status (0: no answer), its JSON object and its time in ms.

    A 503 (busy: nothing was done) is recorded as ``busy`` and tried again after its
    ``Retry-After``, up to `BUSY_RETRIES` times, as a person presses the button again.
    Locust counts as failures only the answers that are not `ok` and not 409 (just taken).
    """
    for attempt in range(BUSY_RETRIES + 1):
        started = time.perf_counter()
        with user.client.request(method, url, json=body, name=name, timeout=TIMEOUT_S, catch_response=True) as r:
            ms = (time.perf_counter() - started) * 1000
            status = int(r.status_code or 0)
            if status in ok or status == 409:
                r.success()
            else:
                r.failure(f"HTTP {status}")
            answer = _json(r)
            wait_s = float(r.headers.get("Retry-After") or 2) if status == 503 else 0
        if status != 503 or attempt == BUSY_RETRIES:
            return status, answer, ms
        record("busy", user=getattr(user, "login", "dispatcher"), name=name, status=status, ms=round(ms, 1))
        time.sleep(wait_s)
    raise AssertionError  # unreachable


class _Client(HttpUser):
    abstract = True

    def on_start(self) -> None:
        cfg = config()
        self.token = self.take_token(cfg)
        self.client.headers["Authorization"] = f"Bearer {self.token}"
        self.rng = random.Random()


class Operator(_Client):
    """An operator taking phone calls: offers, bookings, now and then a cancellation."""

    weight = 1
    _next = 0

    def wait_time(self) -> float:
        low, high = config()["think_s"]
        return self.rng.uniform(low, high)

    def take_token(self, cfg: dict) -> str:
        tokens = cfg["operators"]
        self.login = f"operator{Operator._next % len(tokens)}"
        token = tokens[Operator._next % len(tokens)]
        Operator._next += 1
        self.mine: list[dict] = []  # this operator's live bookings
        return token

    @task
    def phone_call(self) -> None:
        cfg = config()
        if self.mine and self.rng.random() < cfg["cancel_share"]:
            self.cancel()
        else:
            self.new_request()

    # ------------------------------------------------------------------ a new request

    def _draft(self, resident: int, kind: str) -> dict:
        cfg = config()
        draft = {"resident": resident, "kind": kind, "earliest": cfg["week"], "latest": cfg["friday"],
                 "preferences": self.rng.choice(PREFS)}
        if kind == "visit":
            draft["services"] = [self.rng.choice(cfg["services"])]
        else:
            shops = self.rng.sample(cfg["shops"], self.rng.choice([1, 1, 2]))
            draft.update(shops=[{"site": s, "boxes": 1} for s in shops], items="日用品", amount_yen=1500)
        return draft

    def _claim(self) -> tuple[int, str] | None:
        cfg = config()
        free = [(r, k) for r in cfg["residents"] for k in cfg["kinds"] if (r, k) not in _claimed]
        if not free:
            return None
        pair = self.rng.choice(free)
        _claimed.add(pair)
        return pair

    def new_request(self) -> None:
        pair = self._claim()
        if pair is None:
            record("idle", user=self.login, why="every resident and kind is booked")
            return
        resident, kind = pair
        draft = self._draft(resident, kind)
        status, answer, ms = _call(self, "POST", "/api/offers", name="/api/offers", body=draft, ok=(200,))
        offers = answer.get("offers") or []
        record("offer", user=self.login, status=status, ms=round(ms, 1), offers=len(offers), code=answer.get("code"))
        if status != 200 or not offers:
            if status < 500 and status != 0:
                _claimed.discard(pair)  # nothing was booked
            return
        time.sleep(self.wait_time())  # the resident hears the offers and picks one
        chosen = self.rng.choice(offers[:3])
        for attempt in (1, 2):
            offer = {"day": chosen["day"], "start": chosen["start"], "end": chosen["end"]}
            status, answer, ms = _call(self, "POST", "/api/bookings", name="/api/bookings",
                                       body={"draft": draft, "offer": offer}, ok=(201,))
            fields = {"user": self.login, "status": status, "ms": round(ms, 1), "resident": resident, "kind": kind,
                      "offer": offer, "attempt": attempt}
            if status == 201:
                booked = {**fields, "request_id": answer.get("request_id"), "promised": answer.get("promised"),
                          "plan_version": answer.get("plan_version")}
                record("booked", **booked)
                self.mine.append(booked)
                return
            fresh = (answer.get("fresh") or {}).get("offers") or []
            # a 409 is "just taken" (with fresh offers) or "already booked" (the resident has this need booked)
            record("book_refused" if 400 <= status < 500 else "book_error", **fields,
                   error=str(answer.get("error", ""))[:200], taken=status == 409 and "fresh" in answer)
            if status != 409 or not fresh:
                break
            chosen = fresh[0]  # "that time has just gone; how about ...": the resident takes the first
        if 400 <= status < 500:
            _claimed.discard(pair)  # refused: nothing was booked
        # a 5xx or no answer: the outcome is unknown, the pair stays claimed (the checker looks for it)

    # ------------------------------------------------------------------ a cancellation

    def cancel(self) -> None:
        booking = self.mine.pop(self.rng.randrange(len(self.mine)))
        rid = booking["request_id"]
        status, answer, ms = _call(self, "DELETE", f"/api/bookings/{rid}", name="/api/bookings/[id]",
                                   body={"reason": CANCEL_REASON}, ok=(200,))
        record("cancelled" if status == 200 else "cancel_error", user=self.login, status=status, ms=round(ms, 1),
               request_id=rid, resident=booking["resident"], kind=booking["kind"],
               error=None if status == 200 else str(answer.get("error", ""))[:200])
        if status == 200:
            _claimed.discard((booking["resident"], booking["kind"]))
        elif 400 <= status < 500:
            self.mine.append(booking)  # refused: still booked


class Dispatcher(_Client):
    """The dispatcher: re-plans the week once, a few seconds into the run, and publishes the result."""

    fixed_count = 1
    wait_time = constant(1)

    def take_token(self, cfg: dict) -> str:
        self.started = time.monotonic()
        self.done = False
        return cfg["dispatcher"]

    @task
    def replan_once(self) -> None:
        cfg = config()
        if self.done or time.monotonic() - self.started < cfg["replan_at_s"]:
            return
        self.done = True
        week = cfg["week"]
        status, answer, ms = _call(self, "POST", f"/api/weeks/{week}/plan", name="/api/weeks/[monday]/plan",
                                   body={"time_limit_s": cfg["replan_limit_s"]}, ok=(202,))
        job = answer.get("job") or {}
        record("replan", user="dispatcher", status=status, ms=round(ms, 1), job_id=job.get("id") or answer.get("job_id"))
        job_id = job.get("id") or answer.get("job_id")
        if job_id is None:
            return
        started = time.monotonic()
        while True:
            time.sleep(1)
            status, job, ms = _call(self, "GET", f"/api/jobs/{job_id}", name="/api/jobs/[id]", ok=(200,))
            if status == 200 and job.get("state") in ("done", "failed"):
                break
            if time.monotonic() - started > cfg["replan_limit_s"] + 300:
                record("job_error", user="dispatcher", status=status, job_id=job_id, error="job never ended")
                return
        record("job", user="dispatcher", status=status, job_id=job_id, state=job.get("state"),
               version=(job.get("result") or {}).get("version"), error_code=job.get("error_code"),
               s=round(time.monotonic() - started, 1))
        if job.get("state") != "done":
            return
        time.sleep(self.rng.uniform(*cfg["think_s"]))  # a look at the result
        status, answer, ms = _call(self, "POST", f"/api/weeks/{week}/plan/publish", name="/api/weeks/[monday]/publish",
                                   body={}, ok=(200,))
        record("published", user="dispatcher", status=status, ms=round(ms, 1),
               version=(answer.get("plan") or {}).get("version"), changed=answer.get("published"),
               error=answer.get("error"))
