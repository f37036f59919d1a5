"""Vendor log shapes -> the canonical polars tables of ``netlogs.schemas``.

One module per log family (keyvault, firewall + firewall_msg, flows + traffic_analytics, dns);
vendor column names appear only here and in ``kql/``.
"""

from netlogs.normalize.canonical_io import canonical_table_of, read_canonical, write_canonical
from netlogs.normalize.evidence import family_of_table, normalize_evidence
from netlogs.normalize.filters import filter_evidence

__all__ = [
    "canonical_table_of",
    "family_of_table",
    "filter_evidence",
    "normalize_evidence",
    "read_canonical",
    "write_canonical",
]
