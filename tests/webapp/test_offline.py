"""Works with no internet: every page as every role loads nothing from another host."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests.webapp.conftest import ACCOUNTS, WEEK, login

_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""")
_JS_URL = re.compile(r"""["'`]((?:https?:)?//[^"'`\s]+)""")


class _Links(HTMLParser):
    """Every src / href / srcset / url( of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if value and name in ("src", "href", "action", "poster", "data-url"):
                self.urls.append(value)
            elif value and name == "srcset":
                self.urls += [part.split()[0] for part in value.split(",") if part.strip()]
            elif value and name == "style":
                self.urls += _CSS_URL.findall(value)

    def handle_data(self, data) -> None:
        self.urls += _CSS_URL.findall(data)  # inline <style>


def _foreign(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("tel", "geo", "mailto", "data", "javascript"):
        return parts.scheme in ("javascript",)
    return bool(parts.netloc) and parts.netloc != "localhost"


#: Weeks the crawl opens: the planned week and its neighbours (the week links go on forever).
_WEEKS = {"2026-11-23", WEEK.isoformat(), "2026-12-07"}


#: Days the crawl opens (the day links 前日 / 翌日 go on forever too): the planned week's.
_DAYS = {(WEEK + dt.timedelta(days=n)).isoformat() for n in range(7)}
#: The most pages a crawl may open: more means a family of links that goes on forever (fail, never hang).
_MOST_PAGES = 800


def _skipped(path: str, query: str = "") -> bool:
    week = re.search(r"/weeks/(\d{4}-\d{2}-\d{2})", path)
    day = re.search(r"/days/(\d{4}-\d{2}-\d{2})", path) or re.search(r"(?:^|&)day=(\d{4}-\d{2}-\d{2})", query)
    return (path == "/logout" or path.startswith("/lang/") or path.endswith(".pdf")  # a PDF has no links to follow
            or (week is not None and week.group(1) not in _WEEKS)
            or (day is not None and day.group(1) not in _DAYS)
            or (path.startswith("/results") and bool(query)))  # one period is enough: the others load the same


def _crawl(client, start: list[str]) -> tuple[set[str], list[tuple[str, str]]]:
    """Follow same-host links breadth first (GET only); return the pages seen and foreign URLs found."""
    seen, queue, foreign = set(), list(start), []
    while queue:
        url = queue.pop(0)
        path = urljoin("http://localhost/", url)
        parts = urlsplit(path)
        key = parts.path + (f"?{parts.query}" if parts.query else "")
        if key in seen or _skipped(parts.path, parts.query):
            continue
        seen.add(key)
        assert len(seen) <= _MOST_PAGES, f"the crawl does not end (a family of links goes on forever): {key}"
        response = client.get(key)
        data = response.get_data()
        response.close()  # files are streamed
        ctype = response.content_type or ""
        body = data.decode("utf-8") if ctype.startswith(("text/", "application/javascript")) else ""
        if response.status_code in (301, 302):
            queue.append(response.location)
            continue
        if "html" in ctype:
            parser = _Links()
            parser.feed(body)
            found = parser.urls
        elif "css" in ctype:
            found = _CSS_URL.findall(body)
        elif "javascript" in ctype:
            found = [] if "/vendor/" in key else _JS_URL.findall(body)
        else:
            found = []
        for link in found:
            if _foreign(link):
                foreign.append((key, link))
            elif not urlsplit(link).scheme or urlsplit(link).scheme in ("http", "https"):
                target = urljoin(path, link)
                if urlsplit(target).netloc == "localhost":
                    queue.append(target.split("#")[0])
    return seen, foreign


@pytest.mark.parametrize("name", [None, *sorted(ACCOUNTS)])
def test_every_page_loads_only_from_this_app(app, route, name):
    """Crawl from the home page (and the driver's day) as each role: no src, href or url( to another host."""
    client = app.test_client()
    if name is not None:
        login(client, name)
    start = ["/", "/login", f"/driver/?day={route[0]}", f"/dispatch/weeks/{WEEK}"]
    seen, foreign = _crawl(client, start)
    assert foreign == []
    assert any(p.endswith(".css") for p in seen)
    if name in ("admin", "dispatcher", "operator"):
        assert any("/map/" in p for p in seen) and any("/vendor/leaflet/leaflet.js" in p for p in seen)


def test_the_crawler_sees_a_foreign_url():
    """The check itself: an external script, stylesheet or background is reported."""
    parser = _Links()
    parser.feed('<script src="https://cdn.example/x.js"></script><link href="//fonts.example/f.css">'
                '<div style="background: url(https://tiles.example/1.png)"></div><a href="tel:0246-12-3456">t</a>')
    assert [u for u in parser.urls if _foreign(u)] == ["https://cdn.example/x.js", "//fonts.example/f.css",
                                                      "https://tiles.example/1.png"]
