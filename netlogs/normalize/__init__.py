"""Vendor log shapes -> the canonical polars tables of ``netlogs.schemas``.

One module per log family (keyvault, firewall + firewall_msg, flows + traffic_analytics, dns);
vendor column names appear only here and in ``kql/``.
"""

from netlogs.normalize.canonical_io import (
    CanonicalScan,
    canonical_table_of,
    read_canonical,
    scan_canonical,
    write_canonical,
)
from netlogs.normalize.filters import evidence_predicates
from netlogs.normalize.tables import family_of_table, normalize_evidence

__all__ = [
    "CanonicalScan",
    "canonical_table_of",
    "evidence_predicates",
    "family_of_table",
    "normalize_evidence",
    "read_canonical",
    "scan_canonical",
    "write_canonical",
]
