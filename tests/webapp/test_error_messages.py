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
WORDED = ("scheduler/domain/checks.py", "scheduler/domain/times.py", "scheduler/domain/masters.py",
          "scheduler/domain/requests.py", "scheduler/domain/plans.py", "scheduler/booking/draft.py",
          "scheduler/booking/residents.py",
          "scheduler/booking/sessions.py", "scheduler/booking/confirm.py", "scheduler/io/csv_import.py",
          "scheduler/io/csv_file.py", "scheduler/io/csv_tables.py", "scheduler/io/staff_text.py",
          "webapp/args.py", "webapp/api/booking.py", "webapp/masters/__init__.py", "webapp/booking/__init__.py",
          "scheduler/store/entities.py", "scheduler/store/store.py", "scheduler/store/tables.py",
          "scheduler/store/plans.py", "scheduler/accounts.py",
          "scheduler/service_calendar.py", "scheduler/domain/lifecycle.py", "routing/network.py")


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

    plan = store.plans.get(WEEK)
    day, vehicle = next((s.day, s.vehicle_id) for s in plan.stops if s.request_id is not None)
    store.shift_exceptions.add(ShiftException(vehicle_id=vehicle, day=day, reason="maintenance", start_s=13 * 3600,
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


def test_a_missing_record_reads_in_the_screens_language(client):
    """A record the store does not have (`NotFound`) is named in the screen's language, the record's kind too."""
    from tests.webapp.conftest import login

    login(client, "admin")
    page = client.get("/masters/users/99999")
    assert page.status_code == 404 and "アカウント 99999 が見つかりません" in page.text
    assert "not found" not in page.text
    client.get("/lang/en")
    assert "user 99999 not found" in client.get("/masters/users/99999").text


def test_a_login_already_used_reads_in_japanese_beside_its_field(client, store):
    """The store's duplicate check (one login per account) reads Japanese on the user form."""
    from tests.webapp.conftest import csrf_token, login

    login(client, "admin")
    taken = store.users.by_login("dispatcher")
    form = {"login": "dispatcher", "name": "二人目", "role": "dispatcher", "password": "long-enough-1",
            "active": "y", "csrf_token": csrf_token(client)}
    page = client.post("/masters/users/new", data=form).text
    assert f"&#39;dispatcher&#39; はすでにアカウント {taken.id} が使っています" in page
    assert "already used" not in page


def test_a_weekday_in_an_opening_hours_message_reads_in_the_screens_language(client):
    """Overlapping hours on one day name the day in Japanese (月曜日), not "Mon"."""
    from tests.webapp.conftest import csrf_token, login

    login(client, "dispatcher")
    form = {"name": "公民館", "kind": "hall", "lat": "37.05", "lon": "140.89",
            "opening_hours": "mon 9:00-13:00; mon 12:00-14:00", "csrf_token": csrf_token(client)}
    page = client.post("/masters/sites/new", data=form).text
    assert "月曜日: 9:00–13:00 と 12:00–14:00 が重なっています" in page
    assert "Mon" not in page.split("<main")[-1]


def test_an_unreadable_body_is_answered_in_the_sessions_language(client):
    """A body that is not JSON: the API keeps the English ``error`` and adds ``field`` and a Japanese ``message``."""
    from tests.webapp.conftest import csrf_token, login

    login(client, "operator")
    answer = client.post("/api/offers", data=b'{"resident": 1,', content_type="application/json",
                         headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client)})
    assert answer.status_code == 400
    assert answer.json["error"].startswith("body: not JSON (")
    assert answer.json["field"] == "body"
    assert answer.json["message"].startswith("送信内容: JSONではありません（")


def test_a_seat_form_with_no_session_number_names_the_field(client):
    """A session number that is not a number reads as a worded error naming 巡回, not Python's int() message."""
    from tests.webapp.conftest import WEEK, csrf_token, login

    login(client, "operator")
    form = {"session": "abc", "day": WEEK.isoformat(), "csrf_token": csrf_token(client)}
    answer = client.post("/booking/residents/1/sessions", data=form)
    assert answer.status_code == 400
    assert "巡回: &#39;abc&#39; は整数ではありません" in answer.text
    assert "invalid literal" not in answer.text


def test_the_maps_say_they_failed_in_the_screens_language_only(client):
    """The map scripts show the phrase the page gives them (data-failed), never a text of both languages."""
    from tests.webapp.conftest import login

    for script in ("webapp/booking/static/register_map.js", "webapp/dispatch/static/route_map.js"):
        text = (ROOT / script).read_text(encoding="utf-8")
        assert "box.dataset.failed" in text and "map could not be loaded" not in text
    login(client, "operator")
    assert 'data-failed="地図を読み込めません"' in client.get("/booking/residents/new").text
    client.get("/lang/en")
    assert 'data-failed="The map could not be loaded"' in client.get("/booking/residents/new").text
