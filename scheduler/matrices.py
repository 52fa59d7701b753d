"""What the scheduler asks of a road network: `MatrixProvider`, the protocol its travel matrices come through.

The compiler (`scheduler.compiler.compile_week`), planning (`scheduler.planning`)
and booking (`scheduler.booking`) take any object with a ``matrix(points)``
method: a `routing.network.RoadNetwork`, the booking's cache in front of one
(`scheduler.booking.matrices.OfferMatrices`), or a test's straight-line
matrix. A point is ``(id, lat, lon)``; the answer has ``ids``, ``durations``
and ``distances`` (row = from). A provider may also tell which points are too
far from any road (``off_road(points)`` and ``snap_limit_m``, as
`RoadNetwork` does); the compiler asks when it can.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

__all__ = ["MatrixProvider"]


class MatrixProvider(Protocol):
    """Anything that turns points ``(id, lat, lon)`` into a travel matrix."""

    def matrix(self, points: Sequence[tuple[Any, float, float]]) -> Any:  # pragma: no cover - protocol
        """Return an object with ``ids``, ``durations`` and ``distances`` (row = from)."""
