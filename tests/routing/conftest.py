"""Fixtures of the routing tests."""

from __future__ import annotations

import socket

import pytest
import requests


@pytest.fixture
def offline(monkeypatch):
    """Cut the network off at the HTTP and DNS layers; return the list of hosts/URLs asked.

    Nothing leaves the machine: ``requests.get``/``post`` and name lookups raise
    as they would without a network. OSMnx settings changed by the code under
    test are restored afterwards.
    """
    import osmnx as ox

    contacted: list[str] = []

    def refuse(url, *args, **kwargs):
        contacted.append(url)
        raise requests.exceptions.ConnectionError("network is unreachable")

    def no_dns(host, *args, **kwargs):
        contacted.append(host)
        raise socket.gaierror("no DNS")

    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(requests, "post", refuse)
    monkeypatch.setattr(socket, "gethostbyname", no_dns)
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)  # restored if OSMnx patches it
    for key in ("requests_timeout", "overpass_rate_limit", "doh_url_template", "use_cache", "cache_folder"):
        monkeypatch.setattr(ox.settings, key, getattr(ox.settings, key))
    return contacted
