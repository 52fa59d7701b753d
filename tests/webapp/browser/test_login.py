"""Logging in and the frame of every page: each role, the keyboard alone, English, the error page."""

from __future__ import annotations

import pytest

from tests.webapp.browser.conftest import DESKTOP, TABLET_LANDSCAPE, log_in
from tests.webapp.conftest import ACCOUNTS, PASSWORD

pytestmark = pytest.mark.browser

AREA = "架空・山里地区"  # the sample instance's area name, shown in every page's header

#: login -> the path each role lands on
HOMES = {"admin": "/dispatch/weeks/", "dispatcher": "/dispatch/weeks/", "operator": "/booking/",
         "driver1": "/driver/", "driver2": "/driver/"}


@pytest.mark.parametrize("login", sorted(ACCOUNTS))
def test_each_role_logs_in_to_its_screen_showing_the_area(new_page, login):
    """The log-in form takes each role to its screen; the header names the area and who is logged in."""
    page = new_page(TABLET_LANDSCAPE if login.startswith("driver") else DESKTOP)
    log_in(page, login)
    assert HOMES[login] in page.url
    assert AREA in page.inner_text("header.top .area")
    assert page.inner_text("header.top .who") == login
    assert AREA in page.title()


def test_log_in_with_the_keyboard_alone(new_page, shot):
    """Tab to the log-in name, type, Tab, type the password, Enter: the week board opens."""
    page = new_page(DESKTOP)
    page.goto("/login")
    shot(page, "login", docs=True)
    for _ in range(10):  # past the header's links
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "login":
            break
    assert page.evaluate("document.activeElement.id") == "login"
    page.keyboard.type("dispatcher")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/dispatch/weeks/" in page.url


def test_a_wrong_password_says_so_beside_the_form(new_page):
    """A wrong password keeps the user on the form with a Japanese message, not a stack trace."""
    page = new_page(DESKTOP)
    log_in(page, "dispatcher", password="not-the-password")
    assert "/login" in page.url
    assert page.inner_text("p.error[role=alert]") == "ログイン名かパスワードが違います"
    assert page.locator("#login").is_visible()


def test_english_switch_stays_after_a_reload(page_as):
    """The header's English link turns the screen to English (lang="en"), still after a reload; 日本語 turns it back."""
    page = page_as("dispatcher")
    assert page.get_attribute("html", "lang") == "ja"
    with page.expect_navigation():
        page.click("header.top a[lang=en]")
    assert page.get_attribute("html", "lang") == "en"
    assert "Weekly plan" in page.inner_text("h1")
    page.reload()
    assert page.get_attribute("html", "lang") == "en"
    with page.expect_navigation():
        page.click("header.top a[lang=ja]")
    assert page.get_attribute("html", "lang") == "ja" and "週間計画" in page.inner_text("h1")


def test_error_pages_are_japanese_with_a_way_home(page_as, shot):
    """A bad week in the address and an unknown page answer a Japanese page with the area and a home link."""
    page = page_as("dispatcher")
    response = page.goto("/dispatch/weeks/not-a-date")
    assert response.status == 400
    assert "入力に誤りがあります" in page.inner_text("h1")
    assert "Traceback" not in page.content()
    shot(page, "error-400")
    response = page.goto("/no/such/page")
    assert response.status == 404 and "ページが見つかりません" in page.inner_text("h1")
    assert AREA in page.inner_text("header.top")
    with page.expect_navigation():
        page.click("section.error a")
    assert "/dispatch/weeks/" in page.url
