"""Per-request storage and per-process road data for the views.

`get_store` opens the instance's `scheduler.store.Store` once per request
(on first use) and the app closes it in teardown, so a view never opens or
closes the database itself. `road_network` loads the instance's road graph
once per process (it is read-only while the app runs; restart the app after
``odekake graph build``). `offer_matrices` wraps it for phone booking
(`scheduler.booking.matrices.OfferMatrices`: recent matrices kept and grown by
the draft's one new point).
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Flask, current_app, g

from routing.network import RoadNetwork
from scheduler.booking.matrices import OfferMatrices
from scheduler.store import Store

__all__ = ["get_store", "init_app", "network_for_instance", "offer_matrices", "road_network"]


def get_store() -> Store:
    """Return this request's store, opening it on first use."""
    if "store" not in g:
        g.store = Store.for_instance(Path(current_app.instance_path))
    return g.store


def _close_store(_exc: BaseException | None = None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


@functools.lru_cache(maxsize=4)
def _network(instance: str) -> RoadNetwork:
    return RoadNetwork.from_instance(instance)


def network_for_instance(instance: str | Path) -> RoadNetwork:
    """Return an instance's road network, loaded once per process (background jobs run outside requests)."""
    return _network(str(instance))


def road_network() -> RoadNetwork:
    """Return the instance's road network, loaded once per process."""
    return _network(str(current_app.instance_path))


@functools.lru_cache(maxsize=4)
def _offer_matrices(instance: str) -> OfferMatrices:
    return OfferMatrices(_network(instance))


def offer_matrices() -> OfferMatrices:
    """Return the matrix provider of phone booking: the road network with recent matrices kept and grown."""
    return _offer_matrices(str(current_app.instance_path))


def init_app(app: Flask) -> None:
    """Close the request's store when the request ends."""
    app.teardown_appcontext(_close_store)
