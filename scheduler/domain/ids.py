"""The ids people read: `city_id` (the city's external id, else ``#15``) and `IdLabels`.

Part of `scheduler.domain` (import names from there).
"""

from __future__ import annotations

from dataclasses import dataclass, field


def city_id(entity: object) -> str:
    """Return the id people and other systems read for a resident, site, vehicle or request.

    The city's own id (``external_id``, e.g. ``V12`` or ``K099``) when it is
    set, else the database id as ``#15``: the only place a database id shows
    is where the city gave none. Every message, export and report names
    records through this function (or `IdLabels`, when only database ids are
    at hand).

    Parameters
    ----------
    entity
        Any object with ``external_id`` and ``id`` attributes.
    """
    external = getattr(entity, "external_id", None)
    if external:
        return str(external)
    db_id = getattr(entity, "id", None)
    return f"#{db_id}" if db_id is not None else "#?"


@dataclass(frozen=True)
class _Ref:
    """A bare (external id, database id) pair, labelled by `city_id`."""

    external_id: str | None
    id: int | None


@dataclass
class IdLabels:
    """The city's ids of stored records by database id, for code that holds only database ids.

    Built by `scheduler.store.Store.id_labels` (one query per table); each
    method returns `city_id` of the record, so an id missing from the map
    reads ``#15``.
    """

    residents: dict[int, str | None] = field(default_factory=dict)
    sites: dict[int, str | None] = field(default_factory=dict)
    vehicles: dict[int, str | None] = field(default_factory=dict)
    requests: dict[int, str | None] = field(default_factory=dict)

    def resident(self, db_id: int | None) -> str:
        """Return the city's id of a resident."""
        return city_id(_Ref(self.residents.get(db_id), db_id))

    def site(self, db_id: int | None) -> str:
        """Return the city's id of a site."""
        return city_id(_Ref(self.sites.get(db_id), db_id))

    def vehicle(self, db_id: int | None) -> str:
        """Return the city's id of a vehicle."""
        return city_id(_Ref(self.vehicles.get(db_id), db_id))

    def request(self, db_id: int | None) -> str:
        """Return the city's id of a request."""
        return city_id(_Ref(self.requests.get(db_id), db_id))
