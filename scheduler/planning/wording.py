"""Reasons in words for staff: why a request is not in the plan, in Japanese and English.

The solver (``unassigned[].code``, `scheduler.vrp.format.REASON_CODES`) and the
compiler (`scheduler.compiler.SKIP_CODES`) say why with a code from a closed
set; staff read the labels made here from the code. The English detail that
comes with the code (e.g. which window, which shop) is appended for the
dispatcher; nothing here reads or matches that text.
"""

from __future__ import annotations

from collections.abc import Iterable

from scheduler.compiler import SKILL_BY_ID
from scheduler.domain import TimeWindow

__all__ = ["BROKEN_PROMISE", "BROKEN_SESSION", "OUT_OF_SERVICE", "REASON_WORDS", "broken_promise_reason",
           "broken_session_reason", "in_language", "partial_reason", "reason_in_words"]

#: Prefix of the reason of a promise the plan cannot keep.
BROKEN_PROMISE = "約束の時間を守れません・住民に折り返し電話 / promised window cannot be kept — call the resident back"
#: Prefix of the reason of an announced hall session the plan cannot hold.
BROKEN_SESSION = "告知済みの巡回を実施できません・地区に連絡 / announced hall session cannot be held — tell the district"

#: Equipment in words (Japanese, English), written in a reason as "行政端末 office terminal".
_SKILL_WORDS = {"office_terminal": ("行政端末", "office terminal"), "cool_box": ("保冷ボックス", "cool box"),
                "wheelchair": ("車椅子スペース", "wheelchair space")}

#: Staff words for every reason code of the solver and the compiler: Japanese / English.
REASON_WORDS: dict[str, str] = {
    # solver (scheduler.vrp.format.REASON_CODES)
    "no_vehicle": "今週走る車両がありません / no vehicle runs this week",
    "skill": "必要な装備の車両がありません / no vehicle with the needed equipment",
    "capacity": "座席・荷台が足りません / not enough seats or boxes in any suitable vehicle",
    "max_tasks": "1日の件数上限を超えます / every suitable vehicle already has its maximum number of stops",
    "no_shift_in_window": "希望の時間に走る車両がありません / no suitable vehicle works at the wished times",
    "window_unreachable": "希望時間に間に合いません / the wished time cannot be reached from the depot in time",
    "shift_too_short": "勤務時間内に往復できません / cannot get there and back within any shift",
    "travel_limit": "1日の運転時間の上限を超えます / the trip is longer than the daily driving limit",
    "ride_time": "乗車時間の上限を超えます / the trip is longer than the maximum ride time",
    "break": "昼休みと重なり回れません / only possible if the crew skipped its lunch break",
    "vehicle_unusable": "車両の勤務時間が短すぎます / the suitable vehicles' shifts are too short to drive and take the break",
    "group": "複数店舗の品物を一度に届けられません / the shops' goods cannot be brought to the door together in one visit",
    "no_time": "時間内に回れません / not enough time in any shift",
    "not_solved": "計画が見つかりません / the planner found no plan in time",
    "fixed_step_broken": "固定・車両指定の停車を守れません・配車担当が確認 / a fixed or locked stop cannot be kept on its "
                         "vehicle — the dispatcher checks it",
    # compiler (scheduler.compiler.SKIP_CODES)
    "no_service_day": "実施できる日がありません / no service day fits the request",
    "no_session_day": "開催日が休日・運休日です / the session day is a holiday or not a service day",
    "site_closed": "施設が閉まっています / the hall, shop or clinic is closed at the needed time",
    "off_road": "道路から離れすぎた地点です・位置を確認 / the place is too far from any road — check its position",
}
_UNKNOWN = "計画に入りません / not in the plan"
_PARTIAL = "一部しか回れません / only part of the request fits"
#: A re-plan of a day took a vehicle out of service (breakdown, driver ill): said after the reason.
OUT_OF_SERVICE = "車両が運休になりました / the vehicle went out of service"
#: Codes whose words say it all: their English detail would only repeat them.
_NO_DETAIL = frozenset({"no_time", "no_vehicle", "max_tasks", "shift_too_short", "vehicle_unusable"})


def reason_in_words(code: str, detail: str = "", *, skills: Iterable[int] = ()) -> str:
    """Return the Japanese + English label of a reason code for staff, with the detail after it.

    Parameters
    ----------
    code
        A code of `scheduler.vrp.format.REASON_CODES` or `scheduler.compiler.SKIP_CODES`.
    detail
        The English detail that came with the code (shown in brackets), or empty.
    skills
        For the ``skill`` code: the task's skill ids, named in staff words.
    """
    words = REASON_WORDS.get(code, _UNKNOWN)
    if code in _NO_DETAIL:
        detail = ""
    if code == "skill":
        names = [" ".join(_SKILL_WORDS[SKILL_BY_ID[i].value]) for i in skills if i in SKILL_BY_ID]
        detail = ", ".join(names) or detail
    return f"{words} ({detail})" if detail else words


def partial_reason(reason: str) -> str:
    """Say that only some tasks of a request fit, and why the others do not.

    Parameters
    ----------
    reason
        The staff label of the first task left out (from `reason_in_words`).
    """
    return f"{_PARTIAL}: {reason}"


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


def broken_session_reason(reason: str) -> str:
    """Say that an announced hall session cannot be held (starts with `BROKEN_SESSION`).

    Parameters
    ----------
    reason
        The staff label of why the session is not in the plan.
    """
    return f"{BROKEN_SESSION}: {reason}"


def _bilingual() -> list[tuple[str, str, str]]:
    """Every "Japanese / English" phrase made here, with its two halves, longest first."""
    phrases = [*REASON_WORDS.values(), _UNKNOWN, _PARTIAL, BROKEN_PROMISE, BROKEN_SESSION, OUT_OF_SERVICE]
    found = [(p, *p.split(" / ", 1)) for p in phrases] + [(f"{ja} {en}", ja, en) for ja, en in _SKILL_WORDS.values()]
    return sorted(found, key=lambda t: -len(t[0]))


def in_language(reason: str, language: str) -> str:
    """Return a stored reason with each of its "Japanese / English" phrases in `language` only ("ja" or "en").

    Reasons are stored with both languages (the command line and the CSV show them so);
    a screen shows its own. Text not made here (the solver's detail, dates) is left as it is.
    """
    half = 2 if language == "en" else 1
    for both, *halves in _bilingual():
        reason = reason.replace(both, halves[half - 1])
    return reason
