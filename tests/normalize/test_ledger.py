"""The row ledger, table by table: each set-aside reason, its order, and what it does to status."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.model import (
    EvidenceQuery,
    EvidenceTables,
    LogFamily,
    RawTable,
    SourceStatus,
    SourceSummary,
    TimeWindow,
)
from netlogs.normalize import normalize_evidence
from netlogs.normalize.common import epoch_seconds_or_ms
from netlogs.normalize.ledger import _repeated, account_evidence, sane_times
from netlogs.normalize.reasons import is_address

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
WINDOW = TimeWindow(
    datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc),
    datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc),
)
KV_ID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1"
FW_ID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/azurefirewalls/fw-hub"
QUERY = EvidenceQuery(
    vault_name="kv1",
    vault_fqdn="kv1.vault.azure.net",
    private_endpoint_ips=("10.1.2.4",),
    firewall_names=("fw-hub",),
    window=WINDOW,
    firewall_lead=timedelta(minutes=10),
)


def kv(rows: list[tuple[str, str | None, str]]) -> RawTable:
    """AZKVAuditLogs rows (time, caller, vault resource id)."""
    return RawTable(
        "AZKVAuditLogs",
        pl.DataFrame(
            {
                "TimeGenerated": [t for t, _, _ in rows],
                "OperationName": ["SecretGet"] * len(rows),
                "CallerIpAddress": [ip for _, ip, _ in rows],
                "HttpStatusCode": [200] * len(rows),
                "_ResourceId": [vault for _, _, vault in rows],
            },
            schema_overrides={"CallerIpAddress": pl.String},
        ),
        "kv.json",
    )


def fw(rows: list[tuple[str, str | None, str | None]], table: str = "AZFWNetworkRule") -> RawTable:
    """Structured firewall rows (time, source, destination) to port 443."""
    return RawTable(
        table,
        pl.DataFrame(
            {
                "TimeGenerated": [t for t, _, _ in rows],
                "SourceIp": [src for _, src, _ in rows],
                "DestinationIp": [dst for _, _, dst in rows],
                "DestinationPort": [443] * len(rows),
                "Action": ["Allow"] * len(rows),
                "_ResourceId": [FW_ID] * len(rows),
            },
            schema_overrides={"SourceIp": pl.String, "DestinationIp": pl.String},
        ),
        "fw.csv",
    )


def accounted(*raw: RawTable, query: EvidenceQuery = QUERY) -> EvidenceTables:
    tables = account_evidence(normalize_evidence(list(raw)), query, sane_times(NOW)).tables
    for s in tables.sources:
        assert s.read == s.used + sum(n for _, n in s.set_aside), s
    return tables


def only(tables: EvidenceTables, family: LogFamily) -> SourceSummary:
    (found,) = [s for s in tables.sources if s.family is family]
    return found


T = "2026-11-20T10:30:00Z"


@pytest.mark.parametrize(
    ("time", "caller", "vault", "reason"),
    [
        ("not a time", "10.2.1.4", KV_ID, "unparseable_time"),
        ("1970-01-01T00:00:01Z", "10.2.1.4", KV_ID, "out_of_range_time"),
        ("2014-12-31T23:59:59Z", "10.2.1.4", KV_ID, "out_of_range_time"),
        ("2099-11-20T10:30:00Z", "10.2.1.4", KV_ID, "out_of_range_time"),
        ("0001-01-01T00:00:00Z", "10.2.1.4", KV_ID, "out_of_range_time"),
        ("9999-12-31T23:59:59Z", "10.2.1.4", KV_ID, "out_of_range_time"),
        (T, "10.2.1.4", KV_ID.replace("kv1", "kv2"), "other_vault"),
        ("2026-11-20T09:59:00Z", "10.2.1.4", KV_ID, "outside_window"),
        (T, "10.2.1.999", KV_ID, "malformed_address"),
        (T, "10.2.1.4:51544", KV_ID, "malformed_address"),
        (T, " 10.2.1.4", KV_ID, "malformed_address"),
        (T, "<redacted>", KV_ID, "malformed_address"),
        (T, "", KV_ID, "malformed_address"),
        (T, None, KV_ID, "malformed_address"),
        ("not a time", "<redacted>", KV_ID, "unparseable_time"),  # the first reason counts
        ("2026-11-20T09:59:00Z", "<redacted>", KV_ID, "outside_window"),
    ],
)
def test_each_key_vault_reason(time: str, caller: str | None, vault: str, reason: str) -> None:
    tables = accounted(kv([(T, "10.2.1.4", KV_ID), (time, caller, vault)]))
    source = only(tables, LogFamily.KEYVAULT)
    assert (source.read, source.used, source.set_aside) == (2, 1, ((reason, 1),))
    assert tables.kv_requests["caller_ip"].to_list() == ["10.2.1.4"]
    hides = reason not in ("other_vault", "outside_window")
    assert (source.status is SourceStatus.PARTIAL) is hides
    assert (f"{reason} 1" in source.detail) is hides


@pytest.mark.parametrize(
    ("src", "dst", "reason"),
    [
        ("10.2.1.4", "10.9.9.9", "unrelated"),  # another destination: not evidence here
        ("10.2.1.999", "10.9.9.9", "unrelated"),  # ... whatever its source
        ("10.2.1.999", "10.1.2.4", "malformed_address"),
        ("10.2.1.4", "10.1.2.4:443", "malformed_address"),  # may have been the vault
        ("10.2.1.4", "<redacted>", "malformed_address"),
        ("<redacted>", "<redacted>", "malformed_address"),
        (None, "10.1.2.4", "malformed_address"),
        ("10.2.1.4", None, "malformed_address"),  # no destination at all
        ("fd00::4", "10.1.2.4", None),  # IPv6 is an address
    ],
)
def test_each_firewall_reason(src: str | None, dst: str | None, reason: str | None) -> None:
    tables = accounted(fw([(T, "10.2.1.4", "10.1.2.4"), (T, src, dst)]))
    source = only(tables, LogFamily.FIREWALL)
    expected = ((reason, 1),) if reason else ()
    assert (source.read, source.used, source.set_aside) == (2, 2 - len(expected), expected)
    assert (source.status is SourceStatus.PARTIAL) is (reason == "malformed_address")


def test_firewall_rows_in_the_reuse_lead_are_used_and_before_it_set_aside() -> None:
    tables = accounted(
        fw(
            [
                ("2026-11-20T09:55:00Z", "10.2.1.4", "10.1.2.4"),
                ("2026-11-20T09:45:00Z", "10.2.1.4", "10.1.2.4"),
            ]
        )
    )
    source = only(tables, LogFamily.FIREWALL)
    assert (source.used, source.set_aside) == (1, (("outside_window", 1),))


def test_exact_duplicates_count_once_wherever_they_come_from() -> None:
    rows = [(T, "10.2.1.4", KV_ID), ("2026-11-20T10:31:00Z", "10.2.1.5", KV_ID)]
    first, second = kv(rows), kv(rows)
    tables = accounted(first, RawTable(second.table, second.frame, "copy-of-kv.json"))
    source = only(tables, LogFamily.KEYVAULT)
    assert (source.read, source.used, source.set_aside) == (4, 2, (("duplicate", 2),))
    assert source.status is SourceStatus.COMPLETE  # a copy hides nothing
    assert tables.kv_requests["row_id"].to_list() == ["kv.json#0", "kv.json#1"]  # first kept


def test_a_source_with_rows_but_none_in_the_window_is_missing_for_it() -> None:
    old = [("2023-05-01T10:00:00Z", "10.2.1.4", "10.1.2.4")] * 2
    tables = accounted(fw(old), kv([(T, "10.2.1.4", KV_ID)]))
    source = only(tables, LogFamily.FIREWALL)
    assert (source.status, source.rows, source.read) == (SourceStatus.MISSING, 0, 2)
    assert source.set_aside == (("outside_window", 2),)  # copies outside it: not duplicates
    assert "2 row(s) read, none in the window (outside_window 2)" in source.detail


def test_rows_of_other_destinations_in_the_window_still_show_the_firewall_logging() -> None:
    tables = accounted(fw([(T, "10.2.1.4", "10.9.9.9")]))
    source = only(tables, LogFamily.FIREWALL)
    assert (source.status, source.used, source.set_aside) == (
        SourceStatus.COMPLETE,
        0,
        (("unrelated", 1),),
    )


def test_another_vaults_rows_do_not_cover_this_vault() -> None:
    tables = accounted(kv([(T, "10.2.1.4", KV_ID.replace("kv1", "kv2"))]))
    source = only(tables, LogFamily.KEYVAULT)
    assert source.status is SourceStatus.MISSING and "none of this vault" in source.detail


def test_rows_set_aside_by_the_reader_are_in_the_ledger_and_make_it_partial() -> None:
    raw = fw([(T, "10.2.1.4", "10.1.2.4")])
    tables = accounted(RawTable(raw.table, raw.frame, raw.origin, set_aside=(("truncated", 1),)))
    source = only(tables, LogFamily.FIREWALL)
    assert (source.read, source.used, source.set_aside) == (2, 1, (("truncated", 1),))
    assert source.status is SourceStatus.PARTIAL and "truncated 1" in source.detail


def test_unreadable_messages_and_other_categories_are_counted() -> None:
    frame = pl.DataFrame(
        {
            "TimeGenerated": [T, T, T],
            "Category": ["AzureFirewallNetworkRule", "AzureFirewallNetworkRule", "SomethingElse"],
            "OperationName": ["AzureFirewallNetworkRuleLog"] * 2 + ["Other"],
            "Resource": ["FW-HUB"] * 3,
            "ResourceProvider": ["MICROSOFT.NETWORK"] * 3,
            "msg_s": [
                "TCP request from 10.2.1.4:50000 to 10.1.2.4:443. Action: Allow",
                "TCP request from 10.2.1.4:50001 to 10.1.2.4:443. Act",
                "",
            ],
        }
    )
    normalized = normalize_evidence([RawTable("AzureDiagnostics", frame, "diag.json")])
    (source,) = [s for s in normalized.sources if s.family is LogFamily.FIREWALL]
    assert source.read == 3 and source.read == source.used + sum(n for _, n in source.set_aside)
    assert dict(source.set_aside).get("unrelated") == 1  # the other category


def test_traffic_analytics_twins_and_other_subtypes_are_in_the_ledger() -> None:
    row = {
        "TimeGenerated": T,
        "FlowStartTime": T,
        "FlowEndTime": T,
        "SrcIp": "10.2.1.4",
        "DestIp": "10.1.2.4",
        "DestPort": 443.0,
        "L4Protocol": "T",
        "FlowType": "IntraVNet",
        "FlowStatus": "A",
        "SubType": "FlowLog",
        "FlowIntervalEndTime": T,
    }
    frame = pl.DataFrame(
        [
            {**row, "FlowDirection": "O"},
            {**row, "FlowDirection": "I"},
            {**row, "FlowDirection": "O", "SubType": "Topology"},
        ]
    )
    normalized = normalize_evidence([RawTable("NTANetAnalytics", frame, "nta")])
    (source,) = normalized.sources
    assert (source.read, source.used, source.set_aside) == (
        3,
        1,
        (("duplicate", 1), ("unrelated", 1)),
    )


def test_epoch_times_past_year_9999_become_no_time_instead_of_wrapping() -> None:
    values = pl.DataFrame({"t": ["9999999999999999", "99999999999999999999", "1700000000"]})
    parsed = values.select(epoch_seconds_or_ms(pl.col("t"))).to_series().to_list()
    assert parsed[:2] == [None, None]
    assert parsed[2] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("10.0.1.10", True),
        ("255.255.255.255", True),
        ("fd00::1", True),
        ("::1", True),
        ("2001:db8::10.0.1.10", True),
        ("10.0.1.999", False),
        ("10.0.1.10:51544", False),
        (" 10.0.1.10", False),
        ("10.0.1.10 ", False),
        ("010.0.1.10", False),
        ("", False),
        ("<redacted>", False),
        ("10.0.1", False),
        ("a.b.c.d", False),
        (None, False),
    ],
)
def test_what_counts_as_an_address(text: str | None, ok: bool) -> None:
    frame = pl.DataFrame({"ip": [text]}, schema={"ip": pl.String})
    assert frame.select(is_address("ip")).item() is ok


def test_a_table_netlogs_does_not_read_never_makes_the_firewall_complete() -> None:
    frame = pl.DataFrame(
        {"TimeGenerated": [T, T], "Category": ["SignInLogs"] * 2, "Resource": ["AAD"] * 2}
    )
    tables = accounted(RawTable("AzureDiagnostics", frame, "signins.csv"))
    source = only(tables, LogFamily.FIREWALL)
    assert (source.status, source.read, source.used) == (SourceStatus.MISSING, 2, 0)
    assert source.set_aside == (("unrelated", 2),)
    assert "2 row(s) read, none in the window (unrelated 2)" in source.detail


def test_look_alike_rows_of_one_input_are_kept_copies_from_another_are_not() -> None:
    same = [(T, "10.2.1.4", KV_ID), (T, "10.2.1.4", KV_ID)]  # e.g. columns not loaded differ
    tables = accounted(kv(same))
    assert only(tables, LogFamily.KEYVAULT).set_aside == ()
    assert tables.kv_requests.height == 2
    again = kv(same)
    tables = accounted(kv(same), RawTable(again.table, again.frame, "overlapping.json"))
    source = only(tables, LogFamily.KEYVAULT)
    assert (source.used, source.set_aside) == (2, (("duplicate", 2),))


def test_rows_with_the_same_id_are_copies_of_one_parquet() -> None:
    frame = normalize_evidence([fw([(T, "10.2.1.4", "10.1.2.4")])]).fw_events
    copies = [RawTable("canonical:fw_events", frame, f"fetch{i}/fw_events.parquet") for i in (1, 2)]
    tables = accounted(*copies)
    (source,) = tables.sources
    assert (source.table, source.read, source.used, source.set_aside) == (
        "AZFWNetworkRule",
        2,
        1,
        (("duplicate", 1),),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 6)), max_size=30), st.booleans())
def test_repeated_values_agree_with_is_duplicated_sorted_or_not(
    values: list[int | None], ordered: bool
) -> None:
    """The neighbour comparison on sorted columns finds exactly what hashing finds."""
    column = pl.Series("time", values, dtype=pl.Int64)
    if ordered:
        column = column.sort()
    assert _repeated(column).to_list() == column.is_duplicated().to_list()
