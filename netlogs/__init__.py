"""netlogs: prove with log evidence whether traffic reached an Azure Key Vault through its
private endpoint and the firewall the design requires.

The library API (``netlogs.trace``, ``load_topology``, ``expected_path``, ``effective_routes``) is
imported on first use, so ``import netlogs`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netlogs.errors import NetlogsError
from netlogs.model import ExpectedPath, TimeWindow, TraceRequest, TraceResult, Verdict

if TYPE_CHECKING:
    from netlogs.api import effective_routes, expected_path, load_topology, trace

__all__ = [
    "ExpectedPath",
    "NetlogsError",
    "TimeWindow",
    "TraceRequest",
    "TraceResult",
    "Verdict",
    "effective_routes",
    "expected_path",
    "load_topology",
    "trace",
]

_API = frozenset({"effective_routes", "expected_path", "load_topology", "trace"})


def __getattr__(name: str) -> Any:
    if name in _API:
        from netlogs import api  # noqa: PLC0415 - `import netlogs` must not load polars

        return getattr(api, name)
    raise AttributeError(f"module 'netlogs' has no attribute {name!r}")
