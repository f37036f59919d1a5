"""evidence_predicates: the same window / vault / address rules as the KQL templates (the
filter pushed into canonical Parquet scans)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import polars as pl
import pytest

from netlogs.errors import ConfigError
from netlogs.model import EvidenceQuery, EvidenceTables, TimeWindow
from netlogs.normalize import evidence_predicates
from netlogs.schemas import DNS_QUERIES, FLOWS, FW_EVENTS, KV_REQUESTS, conform


def _kept(tables: EvidenceTables, query: EvidenceQuery) -> EvidenceTables:
    kept = {name: getattr(tables, name).filter(e) for name, e in evidence_predicates(query).items()}
    return replace(tables, **kept)


def _t(minute: int) -> datetime:
    return datetime(2024, 5, 1, 10, minute, tzinfo=timezone.utc)


def _frame(rows: list[dict[str, object]], schema: object) -> pl.DataFrame:
    return conform(pl.DataFrame(rows), schema)  # type: ignore[arg-type]


def _tables() -> EvidenceTables:
    kv = _frame([
        {"time": _t(5), "vault": "kv-prod", "caller_ip": "10.0.0.68", "row_id": "kv-in"},
        {"time": _t(5), "vault": "kv-other", "caller_ip": "10.2.1.4", "row_id": "kv-other"},
        {"time": _t(59), "vault": "kv-prod", "caller_ip": "10.2.1.4", "row_id": "kv-late"},
    ], KV_REQUESTS)
    fw = _frame([
        {"time": _t(5), "firewall": "fw-hub", "src_ip": "10.2.1.4", "dst_ip": "10.1.2.4",
         "row_id": "fw-pe"},
        {"time": _t(5), "firewall": "fw-hub", "src_ip": "10.2.1.4",
         "fqdn": "kv-prod.vault.azure.net", "row_id": "fw-fqdn"},
        {"time": _t(5), "firewall": "fw-hub", "src_ip": "10.2.1.4", "dst_ip": "52.1.1.1",
         "row_id": "fw-public-ip"},
        {"time": _t(5), "firewall": "fw-hub", "src_ip": "10.3.0.9", "dst_ip": "10.1.2.4",
         "row_id": "fw-other-client"},
        {"time": _t(5), "firewall": "fw-hub", "src_ip": "10.2.1.4", "dst_ip": "8.8.8.8",
         "row_id": "fw-elsewhere"},
        {"time": _t(5), "firewall": "fw-branch", "src_ip": "10.2.1.4", "dst_ip": "10.1.2.4",
         "row_id": "fw-unlisted-firewall"},
    ], FW_EVENTS)
    flows = _frame([
        {"time_start": _t(0), "time_end": _t(15), "src_ip": "10.2.1.4", "dst_ip": "10.1.2.4",
         "row_id": "flow-overlaps"},
        {"time_start": _t(40), "time_end": _t(50), "src_ip": "10.2.1.4", "dst_ip": "10.1.2.4",
         "row_id": "flow-after"},
        {"time_start": _t(5), "time_end": _t(6), "src_ip": "10.2.1.4", "dst_ip": "10.9.9.9",
         "row_id": "flow-elsewhere"},
    ], FLOWS)
    dns = _frame([
        {"time": _t(5), "client_ip": "10.2.1.4", "query_name": "kv-prod.vault.azure.net",
         "row_id": "dns-kv"},
        {"time": _t(5), "client_ip": "10.2.1.4",
         "query_name": "kv-prod.privatelink.vaultcore.azure.net", "row_id": "dns-pl"},
        {"time": _t(5), "client_ip": "10.2.1.4", "query_name": "example.com", "row_id": "dns-x"},
    ], DNS_QUERIES)
    return EvidenceTables(kv, fw, flows, dns)


def _query(**extra: object) -> EvidenceQuery:
    base: dict[str, object] = {
        "vault_name": "KV-Prod", "vault_fqdn": "kv-prod.vault.azure.net",
        "private_endpoint_ips": ("10.1.2.4",), "firewall_names": ("FW-Hub",),
        "window": TimeWindow(_t(2), _t(30)), "vault_public_ips": ("52.1.1.1",),
    }
    return EvidenceQuery(**(base | extra))  # type: ignore[arg-type]


def _ids(frame: pl.DataFrame) -> list[str]:
    return sorted(frame["row_id"].to_list())


def test_window_vault_and_destination_filters() -> None:
    result = _kept(_tables(), _query())
    assert _ids(result.kv_requests) == ["kv-in"]
    assert _ids(result.fw_events) == ["fw-fqdn", "fw-other-client", "fw-pe", "fw-public-ip"]
    assert _ids(result.flows) == ["flow-overlaps"]
    assert _ids(result.dns) == ["dns-kv", "dns-pl"]


def test_client_filter_keeps_public_destination_rows_of_the_client() -> None:
    result = _kept(_tables(), _query(client_prefixes=("10.2.0.0/16",)))
    assert _ids(result.fw_events) == ["fw-fqdn", "fw-pe", "fw-public-ip"]
    # the vault log is not filtered by client: a SNATed request carries the firewall address
    assert _ids(result.kv_requests) == ["kv-in"]
    exact = _kept(_tables(), _query(client_ips=("10.3.0.9",)))
    assert _ids(exact.fw_events) == ["fw-other-client"]
    assert _ids(exact.flows) == [] and _ids(exact.dns) == []


def test_no_window_and_no_firewall_list() -> None:
    result = _kept(_tables(), _query(window=None, firewall_names=()))
    assert _ids(result.kv_requests) == ["kv-in", "kv-late"]
    assert "fw-unlisted-firewall" in _ids(result.fw_events)
    assert _ids(result.flows) == ["flow-after", "flow-overlaps"]


def test_bad_prefix_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"'10\.0\.0\.0/99'"):
        _kept(_tables(), _query(client_prefixes=("10.0.0.0/99",)))


@pytest.mark.parametrize("count", [0, 1, 2, 8, 9])
def test_one_of_is_is_in_also_for_nulls(count: int) -> None:
    """A few values are compared rather than hashed; the answer is ``is_in``'s, null for null."""
    from netlogs.normalize.filters import one_of

    values = [f"10.0.0.{i}" for i in range(count)]
    column = pl.DataFrame({"ip": ["10.0.0.0", None, "10.0.0.8", "10.0.0.1", "10.0.0.10", ""]})
    got = column.select(one_of("ip", values)).to_series()
    assert got.to_list() == column.select(pl.col("ip").is_in(values)).to_series().to_list()
    assert got[1] is None
