"""One line per log source saying what happened to its rows (the row ledger), for every format."""

from __future__ import annotations

from netlogs.model import SourceStatus, SourceSummary, TraceResult


def source_name(source: SourceSummary) -> str:
    """``firewall AZFWNetworkRule`` (a missing family has no table)."""
    return f"{source.family.value} {source.table}".rstrip()


def ledger_text(source: SourceSummary) -> str:
    """``read 120, used 118, set aside 2 (malformed_address 2)``."""
    aside = sum(rows for _, rows in source.set_aside)
    text = f"read {source.read}, used {source.used}, set aside {aside}"
    if source.set_aside:
        text += " (" + ", ".join(f"{why} {rows}" for why, rows in source.set_aside) + ")"
    return text


def ledger_line(source: SourceSummary) -> str:
    """The source's name, its ledger, and its status unless complete, e.g.
    ``firewall AZFWNetworkRule: read 120, used 118, set aside 2 (malformed_address 2) — partial``.

    A complete source shows no status; any other status is named, as are its reasons.
    """
    line = f"{source_name(source)}: {ledger_text(source)}"
    if source.status is not SourceStatus.COMPLETE:
        line += f" — {source.status.value}"
    return line


def sorted_sources(result: TraceResult) -> list[SourceSummary]:
    return sorted(result.sources, key=lambda s: (s.family.value, s.table, s.status.value))
