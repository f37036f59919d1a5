"""Differential on edge cases the sample and the scale generator do not draw: hand-written rows
in the Log Analytics tables' real shapes, given to both engines, which must agree client for
client on the verdicts (with their causes and outcomes), on every facts column, and on what
they say of each source. A kusto trace in the emulator takes seconds, so each run holds many
cases, each with clients (and SNAT time slots) of its own; the tests then check each case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from netlogs.model import TraceResult
from netlogs.topology.loader import load_topology
from netlogs.topology.model import Topology
from tests.kusto_engine.conftest import SAMPLE
from tests.kusto_engine.edge_rows import (
    END,
    T0,
    Both,
    app,
    at,
    flow,
    frames_of,
    kv,
    legacy_net,
    live_firewall,
    net,
    run_both,
)
from tests.kusto_engine.test_differential import assert_same_facts

SNAT, SNAT_2 = "10.0.0.69", "10.0.0.70"  # instance addresses of fw-hub (its SNAT source)
REUSE, SKEW = timedelta(minutes=10), timedelta(seconds=5)
US = timedelta(microseconds=1)
SLOT = timedelta(minutes=12)  # SNAT cases this far apart share no reuse window
EDGES = {  # request time - record time: fits (SNAT) / covers (own address)?
    "reuse-edge": (REUSE + SKEW, True),
    "reuse-edge+1us": (REUSE + SKEW + US, False),
    "skew-edge": (-SKEW, True),
    "skew-edge-1us": (-SKEW - US, False),
}
_NOT_AUTHORIZED = "Client address is not authorized and caller is not a trusted service."
_NO_PUBLIC = (
    "Public network access is disabled and request is not from a trusted service nor via an "
    "approved private link."
)
DENIALS = {  # caller: ResultDescription (with and without the error code in front)
    "203.0.113.91": f"ForbiddenByFirewall: {_NOT_AUTHORIZED}",
    "203.0.113.92": _NOT_AUTHORIZED,
    "203.0.113.93": f"ForbiddenByConnection: {_NO_PUBLIC}",
    "203.0.113.94": _NO_PUBLIC,
}


def agree(both: Both) -> Both:
    """Both engines give the same verdicts, causes, facts and source statuses."""
    assert both.verdicts(both.kusto) == both.verdicts(both.local)
    assert_same_facts(both.local_facts, both.kusto_facts)
    assert sources(both.kusto) == sources(both.local)
    return both


def sources(result: TraceResult) -> list[tuple[str, str, str, tuple[tuple[str, int], ...]]]:
    """(table, status, family, rows set aside for a reason that hides evidence) per source."""
    hidden = ("malformed_address", "unparseable")
    return sorted(
        (
            s.table.split("/")[0],  # the kusto engine names the AzureDiagnostics category too
            s.status.value,
            s.family.value,
            tuple(x for x in s.set_aside if x[0] in hidden),
        )
        for s in result.sources
        if s.rows or s.read
    )


def _snat_cases() -> Iterator[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
    """(case, vault rows, application rule rows) of the SNAT cases, one time slot each."""
    slot = at(60)
    yield (
        "ambiguous",
        [kv(slot + timedelta(seconds=20), SNAT)],
        [app(slot, "10.2.1.20"), app(slot + timedelta(seconds=10), "10.2.1.21")],
    )
    slot += SLOT
    yield "stitched", [kv(slot + timedelta(seconds=30), SNAT)], [app(slot, "10.2.1.22")]
    for i, (offset, _) in enumerate(EDGES.values()):
        slot += SLOT
        yield "edge", [kv(slot + offset, SNAT_2)], [app(slot, f"10.2.1.{23 + i}")]


def _many_cases() -> dict[str, list[dict[str, Any]]]:
    kv_rows: list[dict[str, Any]] = []
    app_rows: list[dict[str, Any]] = []
    for _, requests, records in _snat_cases():
        kv_rows += requests
        app_rows += records
    record = at(2 * 3600)  # own-address coverage edges: one client per edge
    net_rows = [live_firewall(), *(net(record, f"10.1.1.{20 + i}") for i in range(4))]
    edges = enumerate(EDGES.values())
    kv_rows += [kv(record + offset, f"10.1.1.{20 + i}") for i, (offset, _) in edges]
    spellings = [  # (vault caller, firewall and flow source)
        ("fd00:10::4", "fd00:10::4"),
        ("FD00:10::5", "fd00:10::5"),
        ("::ffff:10.1.1.30", "10.1.1.30"),
    ]
    for caller, source in spellings:
        kv_rows.append(kv(at(2400), caller))
        net_rows.append(net(at(2390), source))
    kv_rows += [
        kv(at(2500), "10.1.1.40", "Authentication", 401),  # challenges only
        kv(at(2501), "10.1.1.40", "Authentication", 401),
        kv(at(2502), "10.1.1.41", "VaultGet", 200, private_endpoint=False),  # control plane
        kv(at(2503), "10.1.1.41", "VaultPut", 200, private_endpoint=False),
        kv(T0 - US, "10.1.1.51"), kv(T0, "10.1.1.50"),  # window edges
        kv(END, "10.1.1.52"), kv(END + US, "10.1.1.53"),
        kv(END, "10.1.1.54"),  # covered by a record just after the window
    ]  # fmt: skip
    kv_rows += [
        kv(at(2600), caller, status=403, private_endpoint=False, description=text)
        for caller, text in DENIALS.items()
    ]
    net_rows += [
        net(at(2490), "10.1.1.40"),
        net(T0 - US, "10.1.1.51"), net(T0, "10.1.1.50"), net(END, "10.1.1.52"),
        net(END + US, "10.1.1.53"), net(END + timedelta(seconds=3), "10.1.1.54"),
    ]  # fmt: skip
    flows = [
        flow(at(2390), "fd00:10::4"),
        flow(at(2390), "10.1.1.30"),
        flow(END - timedelta(minutes=1), "10.2.1.40"),  # flow only, Key Vault logs pending
        flow(END - timedelta(minutes=30), "10.2.1.41"),  # flow only, settled
        flow(T0 - US, "10.2.1.51"), flow(T0, "10.2.1.50"),
        flow(END, "10.2.1.52"), flow(END + US, "10.2.1.53"),
    ]  # fmt: skip
    return {
        "AZKVAuditLogs": kv_rows,
        "AZFWNetworkRule": net_rows,
        "AZFWApplicationRule": app_rows,
        "NTANetAnalytics": flows,
    }


@pytest.fixture(scope="module")
def topology() -> Topology:
    return load_topology(SAMPLE / "topology.yaml")


@pytest.fixture(scope="module")
def many(topology: Topology, tmp_path_factory: pytest.TempPathFactory) -> Both:
    folder = tmp_path_factory.mktemp("edge-many")
    return agree(run_both(topology, frames_of(**_many_cases()), folder))


def facts_of(both: Both, client: str) -> dict[str, Any]:
    rows = both.local_facts.filter(pl.col("client_ip") == client).to_dicts()
    assert len(rows) == 1, client
    return rows[0]


def test_snat_address_fitting_two_clients_is_ambiguous(many: Both) -> None:
    assert facts_of(many, SNAT)["snat_candidate_count"] == 2
    assert facts_of(many, SNAT)["snat_candidates"] == ["10.2.1.20", "10.2.1.21"]
    assert many.verdict_of("10.2.1.20") == "INCONCLUSIVE"


def test_snat_address_fitting_one_client_is_stitched(many: Both) -> None:
    assert facts_of(many, "10.2.1.22")["via_snat"] == 1
    assert many.verdict_of("10.2.1.22") == "REACHED_VIA_FIREWALL"


@pytest.mark.parametrize("edge", list(EDGES))
def test_snat_reuse_window_and_skew_edges(many: Both, edge: str) -> None:
    client = f"10.2.1.{23 + list(EDGES).index(edge)}"
    assert facts_of(many, client)["requests"] == int(EDGES[edge][1])
    # the requests that fit nobody stay with the SNAT address
    assert facts_of(many, SNAT_2)["requests"] == sum(not fits for _, fits in EDGES.values())


@pytest.mark.parametrize("edge", list(EDGES))
def test_coverage_edges(many: Both, edge: str) -> None:
    client = f"10.1.1.{20 + list(EDGES).index(edge)}"
    covered = EDGES[edge][1]
    assert facts_of(many, client)["covered"] == int(covered)
    expected = "REACHED_VIA_FIREWALL" if covered else "REACHED_BYPASSING_FIREWALL"
    assert many.verdict_of(client) == expected


def test_ipv6_and_ipv4_mapped_clients(many: Both) -> None:
    assert facts_of(many, "fd00:10::4")["covered"] == 1
    assert facts_of(many, "fd00:10::4")["flow_out"] == 1
    # other spellings of an address are other clients in both engines (Azure writes IPv6 in
    # lower case and IPv4 callers dotted): neither engine covers them with the other's record
    assert facts_of(many, "FD00:10::5")["covered"] == 0
    assert facts_of(many, "::ffff:10.1.1.30")["via_public"] == 0


def test_challenges_control_plane_and_denials(many: Both) -> None:
    assert many.verdict_of("10.1.1.40") == "INCONCLUSIVE"  # a challenge proves no path
    assert "10.1.1.41" not in many.local_facts.get_column("client_ip").to_list()
    for caller, text in DENIALS.items():
        code = "ForbiddenByConnection" if "Public network access" in text else "ForbiddenByFirewall"
        assert facts_of(many, caller)["network_denial_code"] == code
        assert many.verdict_of(caller) == "BLOCKED_BY_VAULT_NETWORK_RULES"


def test_flow_only_clients_pending_and_settled(many: Both) -> None:
    assert many.verdict_of("10.2.1.40") == "NOT_YET_OBSERVABLE"
    assert many.verdict_of("10.2.1.41") == "NOT_REACHED"


def test_window_start_and_end_are_inclusive(many: Both) -> None:
    clients = many.local_facts.get_column("client_ip").to_list()
    assert {"10.1.1.50", "10.1.1.52", "10.2.1.50", "10.2.1.52"} <= set(clients)
    assert not {"10.1.1.51", "10.1.1.53", "10.2.1.51", "10.2.1.53"} & set(clients)
    assert facts_of(many, "10.1.1.50")["covered"] == 1  # a record before the window covers


def test_record_within_the_skew_after_the_window_covers(many: Both) -> None:
    assert facts_of(many, "10.1.1.54")["covered"] == 1
    assert facts_of(many, "10.1.1.54")["fw_allow"] == 0  # not an attempt of the window


# --- malformed addresses --------------------------------------------------------------------


def test_malformed_addresses_are_set_aside_alike(topology: Topology, tmp_path: Path) -> None:
    """Rows whose client address is empty, null, has a port, an octet above 255 or leading
    zeros are set aside by both engines, and their tables called partial."""
    bad = [None, "", "not-an-ip", "10.1.1.4:51544", "10.1.1.256", "010.001.001.004"]
    rows = {
        "AZKVAuditLogs": [kv(at(300), "10.1.1.4"), *(kv(at(310), caller) for caller in bad)],
        "AZFWNetworkRule": [live_firewall(), net(at(290), "10.1.1.4"),
                            *(net(at(295), source) for source in bad)],
        "NTANetAnalytics": [flow(at(290), "10.1.1.4"), flow(at(290), "10.2.1.256")],
    }  # fmt: skip
    both = agree(run_both(topology, frames_of(**rows), tmp_path))
    assert both.local_facts.get_column("client_ip").to_list() == ["10.1.1.4"]
    statuses = {table: status for table, status, _, _ in sources(both.kusto)}
    assert statuses["AZKVAuditLogs"] == statuses["AZFWNetworkRule"] == "partial"
    assert statuses["NTANetAnalytics"] == "partial"
    # a served, covered request: the Key Vault logs' gaps keep it from being confirmed
    assert both.verdict_of("10.1.1.4") == "INCONCLUSIVE"


# --- older tables and sources without rows --------------------------------------------------


def test_legacy_firewall_text_beside_resource_specific_rows(
    topology: Topology, tmp_path: Path
) -> None:
    """Firewall rows of one window in both AzureDiagnostics (rule text) and AZFWNetworkRule,
    and no flow rows: one client covered by each, one whose connection both tables logged."""
    rows = {
        "AZKVAuditLogs": [kv(at(300), "10.1.1.60"), kv(at(300), "10.1.1.61"),
                          kv(at(300), "10.1.1.62")],
        "AZFWNetworkRule": [live_firewall(), net(at(290), "10.1.1.61"), net(at(290), "10.1.1.62")],
        "AzureDiagnostics": [legacy_net(at(290), "10.1.1.60"), legacy_net(at(290), "10.1.1.62")],
    }  # fmt: skip
    both = agree(run_both(topology, frames_of(**rows), tmp_path))
    for client in ("10.1.1.60", "10.1.1.61", "10.1.1.62"):
        assert facts_of(both, client)["covered"] == 1
    statuses = {table: status for table, status, _, _ in sources(both.local)}
    assert "NTANetAnalytics" not in statuses  # no flow rows: a missing source


@pytest.mark.parametrize(
    "empty",
    [("AZFWNetworkRule", "AZFWApplicationRule"), ("AZKVAuditLogs",)],
    ids=["firewall", "keyvault"],
)
def test_a_source_without_rows(topology: Topology, tmp_path: Path, empty: tuple[str, ...]) -> None:
    """A family with no rows in the window: both engines call it missing and answer the same
    INCONCLUSIVE verdicts."""
    rows = {
        "AZKVAuditLogs": [kv(at(100), "10.1.1.4"), kv(at(200), "10.1.1.5")],
        "AZFWNetworkRule": [net(at(90), "10.1.1.4"), net(END, "10.1.1.9")],
        "AZFWApplicationRule": [app(at(80), "10.2.1.4")],
        "NTANetAnalytics": [
            flow(at(90), "10.1.1.4"), flow(at(300), "10.2.1.9"), flow(END, "10.2.1.8")
        ],
    }  # fmt: skip
    for table in empty:
        del rows[table]
    both = agree(run_both(topology, frames_of(**rows), tmp_path))
    unsure = ["10.1.1.4", "10.1.1.5"] if "AZKVAuditLogs" not in empty else ["10.1.1.4", "10.2.1.9"]
    for client in unsure:
        assert both.verdict_of(client) == "INCONCLUSIVE"
