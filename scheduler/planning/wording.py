"""Reasons in words for staff: why a request is not in the plan, in Japanese and English.

The solver and the compiler give their reasons as short English text; staff
read the labels made here. (Matching on the text is the current contract with
the solver; reason codes are to replace it.)
"""

from __future__ import annotations

import re

from scheduler.compiler import SKILL_BY_ID
from scheduler.domain import TimeWindow

__all__ = ["BROKEN_PROMISE", "broken_promise_reason", "partial_reason", "reason_in_words"]

#: Prefix of the reason of a promise the plan cannot keep.
BROKEN_PROMISE = "約束の時間を守れません・住民に折り返し電話 / promised window cannot be kept — call the resident back"

_SKILL_WORDS = {"office_terminal": "行政端末 office terminal", "cool_box": "保冷ボックス cool box",
                "wheelchair": "車椅子スペース wheelchair space"}


def reason_in_words(reason: str) -> str:
    """Turn a solver or compile reason into a Japanese + English label for staff.

    Parameters
    ----------
    reason
        The machine reason, e.g. ``"no vehicle has skills [2]"``.
    """
    r = reason.lower()
    if "capacity" in r:
        return f"座席・荷台が足りません / not enough seats or boxes in any suitable vehicle ({reason})"
    if "has skills" in r:
        ids = [int(x) for x in re.findall(r"\d+", reason)]
        names = ", ".join(_SKILL_WORDS[SKILL_BY_ID[i].value] for i in ids if i in SKILL_BY_ID) or reason
        return f"必要な装備の車両がありません / no vehicle with the needed equipment ({names})"
    if r == "no vehicle":
        return "今週走る車両がありません / no vehicle runs this week"
    if "max_ride_time" in r:
        return f"乗車時間の上限を超えます / the trip is longer than the maximum ride time ({reason})"
    if "max_tasks" in r:
        return "1日の件数上限を超えます / every suitable vehicle already has its maximum number of stops"
    if "time window" in r and "reached" in r:
        return f"希望時間に間に合いません / {reason}"
    if "within any shift" in r:
        return "勤務時間内に往復できません / cannot get there and back within any shift"
    if "not enough time" in r:
        return "時間内に回れません / not enough time in any shift"
    if "no solution found" in r:
        return f"計画が見つかりません / {reason}"
    if "closed" in r or "service day" in r or "holiday" in r or "session day" in r:
        return f"実施できる日がありません / {reason}"
    return f"計画に入りません / {reason}"


def partial_reason(reason: str) -> str:
    """Say that only some tasks of a request fit, and why the others do not.

    Parameters
    ----------
    reason
        The staff label of the first task left out (from `reason_in_words`).
    """
    return f"一部しか回れません / only part of the request fits: {reason}"


def broken_promise_reason(promised: TimeWindow, reason: str) -> str:
    """Say that a promised window cannot be kept (starts with `BROKEN_PROMISE`).

    Parameters
    ----------
    promised
        The window promised to the resident.
    reason
        The staff label of why the request is not in the plan.
    """
    return f"{BROKEN_PROMISE} ({promised.label()}): {reason}"
