"""Correlation: Key Vault, firewall and flow-log rows joined per original client IP.

Entry point ``correlate_evidence(tables, context) -> CorrelatedEvidence``. Vectorized polars:
IPv4 addresses become UInt32 keys once on distinct values, firewall records cover vault requests
through an as-of join (reuse window + clock skew), SNAT addresses are stitched back to clients.
"""

from netlogs.correlate.context import (
    DEFAULT_INGESTION_LAGS,
    TIMELINE_PER_KIND,
    CorrelationContext,
    FirewallAddresses,
    family_lags,
    family_statuses,
    firewall_addresses,
)
from netlogs.correlate.engine import (
    COLUMNS_USED,
    Citations,
    CorrelatedEvidence,
    correlate_evidence,
)

__all__ = [
    "COLUMNS_USED",
    "DEFAULT_INGESTION_LAGS",
    "TIMELINE_PER_KIND",
    "Citations",
    "CorrelatedEvidence",
    "CorrelationContext",
    "FirewallAddresses",
    "correlate_evidence",
    "family_lags",
    "family_statuses",
    "firewall_addresses",
]
