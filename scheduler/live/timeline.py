"""The day's record for Excel: planned against actual per stop (``timeline.csv``), city ids, UTF-8 with BOM.

One row per step of every vehicle's route (the start and the end too, breaks
included) in route order: the vehicle and stop by the city's ids, what was
planned, what happened (arrived / left, from the crew's reports) and, for the
steps to come, the expected start and how late it is against the told window.
"""

from __future__ import annotations

import csv
import io

from scheduler.domain import DAY_S, IdLabels, hhmm
from scheduler.io.cells import safe_row
from scheduler.live.day import LiveDay

__all__ = ["TIMELINE_COLUMNS", "timeline_csv"]

TIMELINE_COLUMNS = ("day", "vehicle", "seq", "kind", "stop_id", "request", "resident", "site", "state",
                    "planned_arrival", "planned_start", "planned_departure", "arrived", "left",
                    "expected_start", "late_by_min", "told_start", "told_end")


def _clock(week_s: int | None) -> str:
    return "" if week_s is None else hhmm(week_s % DAY_S)


def timeline_csv(live: LiveDay, labels: IdLabels) -> str:
    """Return the day's planned and actual times per stop as CSV text (a byte-order mark first, for Excel)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TIMELINE_COLUMNS)
    for vday in live.vehicles:
        for step in vday.steps:
            stop, eta, told = step.stop, step.eta, step.told
            writer.writerow(safe_row([
                live.day.isoformat(), labels.vehicle(vday.vehicle_id), stop.seq, stop.step_type, stop.id,
                labels.request(stop.request_id) if stop.request_id else "",
                labels.resident(stop.resident_id) if stop.resident_id else "",
                labels.site(stop.site_id) if stop.site_id else "", step.state,
                _clock(stop.arrival_s), _clock(stop.start_s), _clock(stop.departure_s),
                _clock(eta.arrived_at_s), _clock(eta.left_at_s), _clock(eta.start_s),
                round(eta.late_by_s / 60) if eta.start_s is not None else "",
                hhmm(told.start_s) if told else "", hhmm(told.end_s) if told else "",
            ]))
    return out.getvalue()
