"""Third-party browser assets served by the app itself (`webapp.vendor`): Leaflet from xstatic-leaflet."""

from __future__ import annotations


def test_leaflet_is_served_by_the_app(client):
    """Leaflet's script and style come from the installed xstatic-leaflet package."""
    for name in ("leaflet.js", "leaflet.css"):
        response = client.get(f"/vendor/leaflet/{name}")
        assert response.status_code == 200 and len(response.data) > 10_000
        response.close()


def test_only_leaflets_own_files_are_served(client):
    """A name that is not one of Leaflet's files is a 404, and no path climbs out of its folder."""
    for name in ("no-such-file.js", "../../../../etc/passwd", "%2e%2e/%2e%2e/setup.py"):
        response = client.get(f"/vendor/leaflet/{name}")
        assert response.status_code == 404, name
        response.close()
