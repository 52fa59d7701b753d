"""Log-in and log-out, CSRF, bearer tokens, cookie settings, error answers and the language switch."""

from __future__ import annotations

from click.testing import CliRunner

from tests.webapp.conftest import PASSWORD, clock_on, csrf_token, login
from webapp.cli import cli


def test_login_logout(client):
    """A right password opens a session that reaches the screens; log-out ends it."""
    wrong = login(client, "dispatcher", "not-the-password")
    assert wrong.status_code == 401 and "ログイン名かパスワードが違います" in wrong.text
    assert client.get("/dispatch/").status_code == 302
    ok = login(client, "dispatcher")
    assert ok.status_code == 302 and ok.location == "/"
    assert client.get("/dispatch/", follow_redirects=True).status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert out.status_code == 302 and out.location == "/login"
    assert client.get("/dispatch/").location.startswith("/login?next=")


def test_login_form_names_the_missing_field(client):
    """An empty field is reported beside that field."""
    response = client.post("/login", data={"login": "dispatcher", "password": "", "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    assert 'id="password"' in response.text and "入力してください" in response.text


def test_login_goes_on_to_the_page_asked_for_but_never_to_another_host(client):
    """``next`` is followed when it is a path on this site only."""
    token = csrf_token(client)
    data = {"login": "dispatcher", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=/dispatch/weeks/2026-11-30", data=data).location == "/dispatch/weeks/2026-11-30"
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    data["csrf_token"] = csrf_token(client)
    assert client.post("/login?next=//evil.example/x", data=data).location == "/"


def test_csrf_is_enforced_on_forms_and_browser_api_writes(app, client, route):
    """A POST without the CSRF token is refused (400) for forms and for session-authenticated API calls."""
    clock_on(app, route[0])  # a stop is reported on its day
    assert client.post("/login", data={"login": "driver1", "password": PASSWORD}).status_code == 400
    assert login(client, "driver1").status_code == 302
    stop = route[1][0]
    assert client.post(f"/driver/stops/{stop.id}/report", data={"action": "arrived"}).status_code == 400
    api = client.post(f"/api/stops/{stop.id}/status", json={"action": "arrived"})
    assert api.status_code == 400 and "CSRF" in api.json["error"]
    ok = client.post(f"/api/stops/{stop.id}/status", json={"action": "arrived"},
                     headers={"X-CSRFToken": csrf_token(client)})
    assert ok.status_code == 200 and ok.json["status"] == "dispatched"


def test_session_cookie_is_http_only_same_site_and_expires(client):
    """The session cookie cannot be read by scripts, stays on this site and expires (a working day)."""
    response = login(client, "operator")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("odekake_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_bearer_token_from_the_command(instance, app, route, monkeypatch):
    """`odekake user token` prints a token that opens the API without a session or CSRF token."""
    clock_on(app, route[0])  # a stop is reported on its day
    monkeypatch.setenv("ODEKAKE_NOW", app.config["ODEKAKE_NOW"])  # the command's clock is the app's
    result = CliRunner().invoke(cli, ["--instance", str(instance), "user", "token", "driver1"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    client = app.test_client()
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json == {"login": "driver1", "role": "driver", "vehicle_id": 1}
    stop = route[1][0]
    write = client.post(f"/api/stops/{stop.id}/status", json={"action": "arrived"},
                        headers={"Authorization": f"Bearer {token}"})
    assert write.status_code == 200
    assert client.get("/api/me", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/dispatch/weeks/2026-11-30", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_api_session_logs_in_with_json(client):
    """``POST /api/session`` takes JSON; a wrong password is 401 JSON, not JSON is 400 naming the body."""
    assert client.post("/api/session", json={"login": "operator", "password": "nope"}).status_code == 401
    bad = client.post("/api/session", data="login=operator")
    assert bad.status_code == 400 and bad.json["error"].startswith("body:")
    ok = client.post("/api/session", json={"login": "operator", "password": PASSWORD})
    assert ok.status_code == 200 and ok.json["role"] == "operator"
    assert client.get("/api/requests").status_code == 200


def test_errors_are_json_for_the_api_and_a_japanese_page_for_people(client):
    """Bad input names the field; the API answers JSON, people get a page in Japanese; no traceback."""
    login(client, "dispatcher")
    api = client.get("/api/weeks/2026-12-01/plan")
    assert api.status_code == 400 and "not a Monday" in api.json["error"]
    assert client.get("/api/nothing").json == {"error": client.get("/api/nothing").json["error"]}
    assert client.get("/api/nothing").status_code == 404
    page = client.get("/dispatch/weeks/2026-12-01")
    assert page.status_code == 400 and "入力に誤りがあります" in page.text and "週: 2026-12-01 は月曜日ではありません" in page.text
    assert "Traceback" not in page.text
    missing = client.get("/dispatch/weeks/2026-11-30/map/2026-12-01/999")
    assert missing.status_code == 404 and "ページが見つかりません" in missing.text


def test_japanese_by_default_and_english_on_request(client):
    """Pages are Japanese until the user switches; the switch stays for the session and goes back."""
    page = client.get("/login")
    assert '<html lang="ja">' in page.text and "ログイン名" in page.text
    switched = client.get("/lang/en?next=/login")
    assert switched.location == "/login"
    page = client.get("/login")
    assert '<html lang="en">' in page.text and "Login" in page.text and "ログイン名" not in page.text
    login(client, "driver1")
    assert "Log out" in client.get("/driver/").text  # the choice survives logging in
    client.get("/lang/ja")
    assert "ログアウト" in client.get("/driver/").text
