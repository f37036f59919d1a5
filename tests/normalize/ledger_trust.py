"""The check both filter-once tests make: trusting a scan's filter gives the full ledger."""

from __future__ import annotations

from dataclasses import replace

from netlogs.model import EvidenceQuery, EvidenceTables, TimeWindow
from netlogs.normalize.ledger import AccountedEvidence, account_evidence
from netlogs.schemas import CANONICAL


def assert_trust_changes_nothing(
    tables: EvidenceTables, query: EvidenceQuery, sane: TimeWindow
) -> list[AccountedEvidence]:
    """With and without the window (the empty-window check accounts window-less): the same
    rows used, the same counts by reason, the same newest time. Returns the trusted accountings."""
    trusted_runs = []
    for asked in (query, replace(query, window=None)):
        trusted = account_evidence(tables, asked, sane)
        tested = account_evidence(replace(tables, query_filtered={}), asked, sane)
        assert trusted.tables.sources == tested.tables.sources
        assert trusted.newest_in_window == tested.newest_in_window
        for name in CANONICAL:
            assert getattr(trusted.tables, name).equals(getattr(tested.tables, name)), name
        trusted_runs.append(trusted)
    return trusted_runs
