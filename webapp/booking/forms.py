"""The operator's request forms read into draft requests (docs/BOOKING.md), and errors placed by field.

A form posts plain fields (``services``, ``shop_site_1``, ``ride_to`` ...);
`draft_from_form` turns them into the draft dict `scheduler.booking.parse_draft`
reads, so the page, the API and ``odekake offer`` share one set of checks.
`field_of` finds the field an error message names, so the page can show the
message beside it.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from webapp.args import DB_INT_MAX, DB_INT_MIN

__all__ = ["KINDS", "SHOP_ROWS", "WEEKDAYS", "draft_from_form", "field_of"]

#: Kinds of requests made by insertion (hall seats have their own page).
KINDS = ("visit", "errand", "ride")
#: Shop rows on the errand form.
SHOP_ROWS = 3
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Draft field -> the form input showing its error.
_INPUT_OF = {"services": "services", "shops": "shop_site_1", "ride": "ride_to", "ride.to": "ride_to",
             "ride.from": "ride_from", "earliest": "earliest", "latest": "latest", "window_min": "window_min",
             "preferences": "after", "preferences.after": "after", "preferences.before": "before",
             "amount_yen": "amount_yen", "errand": "shop_site_1", "visit": "services"}


def _int(value: str | None, default: int | None = None) -> Any:
    text = (value or "").strip()
    if not text:
        return default
    try:
        number = int(text.replace(",", ""))
    except ValueError:
        return text  # parse_draft refuses it, naming the field
    return number if DB_INT_MIN <= number <= DB_INT_MAX else text  # beyond SQLite's integers: the same


def _kind_fields(kind: str, form: MultiDict) -> dict[str, Any]:
    if kind == "visit":
        return {"services": form.getlist("services")}
    if kind == "errand":
        shops = []
        for i in range(1, SHOP_ROWS + 1):
            site = (form.get(f"shop_site_{i}") or "").strip()
            if site:
                shop = {"site": _int(site), "boxes": _int(form.get(f"shop_boxes_{i}"), 1)}
                if (form.get(f"shop_ready_{i}") or "").strip():
                    shop["ready"] = form[f"shop_ready_{i}"].strip()
                shops.append(shop)
        return {"shops": shops, "items": form.get("items", "").strip(), "amount_yen": _int(form.get("amount_yen"), 0),
                "chilled": bool(form.get("chilled"))}
    ends = {k: ("home" if (form.get(f"ride_{k}") or "home") == "home" else _int(form.get(f"ride_{k}")))
            for k in ("from", "to")}
    return {"ride": {**ends, "seats": _int(form.get("seats"), 1), "wheelchair": bool(form.get("wheelchair")),
                     "max_ride_min": _int(form.get("max_ride_min"), 60)}}


def draft_from_form(resident_id: int, kind: str, form: MultiDict) -> dict[str, Any]:
    """Return the draft dict of a posted request form (checked later by `parse_draft`)."""
    draft: dict[str, Any] = {"resident": resident_id, "kind": kind, **_kind_fields(kind, form)}
    for name in ("earliest", "latest"):
        if (form.get(name) or "").strip():
            draft[name] = form[name].strip()
    prefs: dict[str, Any] = {}
    when = form.get("when", "")
    if when in ("mornings", "afternoons"):
        prefs[when] = True
    for name in ("after", "before"):
        if (form.get(name) or "").strip():
            prefs[name] = form[name].strip()
    if form.getlist("not"):
        prefs["not"] = [d for d in form.getlist("not") if d in WEEKDAYS]
    if prefs:
        draft["preferences"] = prefs
    if (form.get("window_min") or "").strip():
        draft["window_min"] = _int(form.get("window_min"))
    if (form.get("notes") or "").strip():
        draft["notes"] = form["notes"].strip()
    return draft


def field_of(message: str) -> str:
    """Return the form input an error message names (``draft: shops[0].site: ...`` -> ``shop_site_1``)."""
    text = message.removeprefix("draft: ")
    name = text.split(":", 1)[0].strip()
    shop = re.match(r"shops\[(\d+)\]\.(\w+)", name)
    if shop:
        return f"shop_{shop.group(2)}_{int(shop.group(1)) + 1}"
    if re.match(r"services\[\d+\]", name):
        return "services"
    return _INPUT_OF.get(name, name)
