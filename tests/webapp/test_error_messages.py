"""Every error message a person may see is worded in the screen's language (`webapp.messages`).

The templates of `routing.errors.InputError` raised in ``routing/``, ``scheduler/`` (but the engine,
``scheduler/vrp``, whose problem format answers in English) and ``webapp/``
(through ``_fail(field, template, ...)``, ``SomeError.of(field, template, ...)``, a CSV row's
``row.error(column, template, ...)`` or ``template=``)
are read from the sources: each must have its Japanese in `webapp.messages_ja.JA`, with the same
placeholders. In the modules whose messages reach the screens, an `InputError` made whole from an
English text (``raise SomeError(msg)``) fails too: it could not be translated.
"""

from __future__ import annotations

import ast
import importlib
import string
from pathlib import Path

from routing.errors import InputError
from webapp.messages_ja import JA

ROOT = Path(__file__).resolve().parents[2]
#: Modules whose errors reach a screen: every InputError they raise has its parts.
WORDED = ("scheduler/domain.py", "scheduler/booking/draft.py", "scheduler/booking/residents.py",
          "scheduler/booking/sessions.py", "scheduler/booking/confirm.py", "scheduler/io/csv_import.py",
          "scheduler/io/csv_file.py", "scheduler/io/csv_tables.py", "scheduler/io/staff_text.py",
          "webapp/args.py", "webapp/api/booking.py", "webapp/masters/__init__.py", "webapp/booking/__init__.py")


def _sources():
    """The sources of the three layers; the engine's problem format (scheduler/vrp) answers in English only."""
    for top in ("routing", "scheduler", "webapp"):
        yield from sorted(p for p in (ROOT / top).rglob("*.py") if "vrp" not in p.relative_to(ROOT).parts)


def _templates(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in {"_fail", "of", "error"} and len(node.args) >= 2:  # error: a CSV row's (column, template)
            arg = node.args[1]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
        for kw in node.keywords:
            if kw.arg == "template" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                found.add(kw.value.value)
    return found


def raised_templates() -> set[str]:
    """Every English template the sources raise."""
    found = set()
    for path in _sources():
        found |= _templates(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_template_has_japanese():
    """A new English message without its Japanese fails here (add it to webapp/messages_ja.py)."""
    templates = raised_templates()
    assert len(templates) > 100
    assert sorted(t for t in templates if t not in JA) == []


def test_japanese_fills_the_same_placeholders():
    """The Japanese of a template uses exactly its placeholders (no value lost, none unknown)."""
    assert [t for t, ja in JA.items() if _fields(t) != _fields(ja)] == []


def test_catalogue_holds_no_stale_template():
    """Each Japanese entry belongs to a template still raised (or a row problem of the CSV import)."""
    assert sorted(set(JA) - raised_templates()) == []


def _whole_messages(relative: str) -> list[str]:
    """The lines of `relative` raising an InputError from a message made whole (not worded)."""
    module = importlib.import_module(relative.removesuffix(".py").removesuffix("/__init__").replace("/", "."))
    tree = ast.parse((ROOT / relative).read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
            continue
        if any(kw.arg == "template" for kw in node.exc.keywords):  # English line given beside its parts
            continue
        func = node.exc.func
        cls = getattr(module, func.id, None) if isinstance(func, ast.Name) else None
        if isinstance(cls, type) and issubclass(cls, InputError):
            bad.append(f"{relative}:{node.lineno}")
    return bad


def test_screen_modules_raise_worded_errors():
    """The modules whose errors reach a screen raise no InputError made whole in English."""
    assert [line for relative in WORDED for line in _whole_messages(relative)] == []


def test_a_reason_reads_in_one_language():
    """A stored reason ("日本語 / English", equipment "行政端末 office terminal") reads in the screen's language only."""
    from scheduler.planning.wording import in_language, partial_reason, reason_in_words

    reason = partial_reason(reason_in_words("skill", skills=[1]))
    assert in_language(reason, "ja") == "一部しか回れません: 必要な装備の車両がありません (行政端末)"
    assert in_language(reason, "en") == "only part of the request fits: no vehicle with the needed equipment (office terminal)"


def test_the_board_words_exceptions_and_reasons_in_the_screens_language(client, store):
    """The board shows 整備（運休） for a maintenance exception (not "maintenance") and each reason in one language."""
    import re

    from scheduler.domain import ShiftException
    from tests.webapp.conftest import WEEK, login

    plan = store.get_plan(WEEK)
    day, vehicle = next((s.day, s.vehicle_id) for s in plan.stops if s.request_id is not None)
    store.add_shift_exception(ShiftException(vehicle_id=vehicle, day=day, reason="maintenance", start_s=13 * 3600,
                                             end_s=17 * 3600, note="車検"))
    login(client, "dispatcher")
    page = client.get(f"/dispatch/weeks/{WEEK}").text
    assert '<p class="exception">整備（運休） 13:00–17:00: 車検</p>' in page
    assert plan.unassigned  # the sample week leaves some requests out
    table = page.split('id="unassigned"')[1].split("</table>")[0]
    reasons = re.findall(r"<td>([^<]*)</td>\s*</tr>", table)
    assert reasons and " / " not in table and "not enough time" not in table
    assert "時間内に回れません" in reasons
    client.get("/lang/en")
    page = client.get(f"/dispatch/weeks/{WEEK}").text
    assert '<p class="exception">maintenance (off) 13:00–17:00: 車検</p>' in page
    assert "not enough time in any shift" in page.split('id="unassigned"')[1] and "時間内に回れません" not in page
