"""netlogs: prove with log evidence whether traffic reached an Azure Key Vault through its
private endpoint and the firewall the design requires."""

from netlogs.errors import NetlogsError
from netlogs.model import ExpectedPath, TimeWindow, TraceRequest, TraceResult, Verdict

__all__ = [
    "ExpectedPath",
    "NetlogsError",
    "TimeWindow",
    "TraceRequest",
    "TraceResult",
    "Verdict",
]
