"""The library API a notebook uses: netlogs.trace and the TraceResult frames."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

import netlogs
from netlogs.errors import ConfigError
from netlogs.model import LogFamily
from netlogs.testing import FakeSource, invoke, raw_table, reference_topology

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
PE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-kv"
KV_ID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-test"
FW_ID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/azurefirewalls/fw-hub"


def test_the_public_names_are_pinned() -> None:
    assert netlogs.__all__ == [
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
    for name in netlogs.__all__:
        assert getattr(netlogs, name) is not None


def test_import_netlogs_loads_no_heavy_library() -> None:
    code = (
        "import sys, netlogs; "
        "print(sorted(m for m in ('polars', 'azure', 'plotly') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def sample_result() -> netlogs.TraceResult:
    return netlogs.trace(
        "kv-contoso-prod",
        topology=SAMPLE / "topology.yaml",
        logs=SAMPLE / "logs",
        now=datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc),
    )


def test_trace_of_the_sample_gives_the_cli_verdicts(sample_result: netlogs.TraceResult) -> None:
    flows = sample_result.flows_frame()
    verdicts = dict(zip(flows["client_ip"], flows["verdict"], strict=True))
    assert verdicts["10.0.1.10"] == "REACHED_BYPASSING_FIREWALL"
    assert verdicts["10.1.1.4"] == "REACHED_VIA_FIREWALL"
    assert flows.filter(pl.col("violation")).height == sample_result.violations == 3


def test_frames_convert_to_pandas(sample_result: netlogs.TraceResult) -> None:
    for frame in (
        sample_result.flows_frame(),
        sample_result.gaps_frame(),
        sample_result.evidence_frame(),
    ):
        assert frame.height > 0
        assert frame.to_pandas().shape == frame.shape


def test_evidence_frame_cites_the_rows_of_each_flow(sample_result: netlogs.TraceResult) -> None:
    evidence = sample_result.evidence_frame()
    jump = evidence.filter(pl.col("client_ip") == "10.0.1.10")
    flow = next(f for f in sample_result.flows if f.client_ip == "10.0.1.10")
    assert jump.height == len(flow.evidence) > 0
    assert set(jump["row"]) == {e.row for e in flow.evidence}


def test_explain_names_verdict_cause_and_rows(sample_result: netlogs.TraceResult) -> None:
    text = sample_result.explain("vm-hub-jump")
    assert text.startswith("vm-hub-jump (10.0.1.10): REACHED_BYPASSING_FIREWALL — VIOLATION")
    assert "private_endpoint_route" in text
    with pytest.raises(KeyError, match=r"no flow for '10\.9\.9\.9'"):
        sample_result.explain("10.9.9.9")


def test_notebook_html_escapes_log_values() -> None:
    result = _fake_trace(caller="10.2.1.4", operation="<script>alert(1)</script>")
    assert "<script>" not in result._repr_html_()


def test_trace_from_a_fake_source_with_the_reference_topology() -> None:
    result = _fake_trace(caller="10.0.1.4")
    verdicts = {f.client: f.verdict.value for f in result.flows}
    assert verdicts == {"vm-app": "REACHED_VIA_FIREWALL", "vm-hub": "REACHED_BYPASSING_FIREWALL"}


def test_exactly_one_evidence_source() -> None:
    with pytest.raises(ConfigError, match="exactly one evidence source"):
        netlogs.trace("kv-test", topology=reference_topology(), now=NOW)
    with pytest.raises(ConfigError, match=r"\(got logs, source\)"):
        netlogs.trace("kv-test", logs=SAMPLE / "logs", source=FakeSource([]), now=NOW)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ConfigError, match="timezone-aware"):
        netlogs.trace("kv-test", source=FakeSource([]), start=datetime(2026, 11, 20), now=NOW)


def test_expected_path_and_routes_from_a_file() -> None:
    path = netlogs.expected_path(SAMPLE / "topology.yaml", "10.0.1.10", "kv-contoso-prod", 443)
    assert path.delivered
    routes = netlogs.effective_routes(SAMPLE / "topology.yaml", "vnet-hub/snet-hub-mgmt")
    assert any(r.prefix == "10.1.2.4/32" for r in routes)


def test_invoke_runs_the_cli_in_process() -> None:
    run = invoke(["routes", "nope/nope", "--topology", str(SAMPLE / "topology.yaml")])
    assert run.code == 2
    assert run.stderr.startswith("Error: ")
    assert "Traceback" not in run.stderr


def _fake_trace(caller: str, operation: str = "SecretGet") -> netlogs.TraceResult:
    """vm-app (10.2.1.4) passes fw-hub at 10:01; ``caller`` reads a secret at 10:05; a later
    unrelated firewall record settles the window."""
    kv = raw_table(
        "AZKVAuditLogs",
        [
            {
                "TimeGenerated": f"2026-11-20T{hms}.0000000Z",
                "OperationName": op,
                "CallerIpAddress": ip,
                "HttpStatusCode": 200,
                "ResultSignature": "OK",
                "Properties": f'{{"privateEndpointId": "{PE_ID}"}}',
                "_ResourceId": KV_ID,
            }
            for hms, ip, op in (
                ("10:01:01", "10.2.1.4", "SecretGet"),
                ("10:05:00", caller, operation),
            )
        ],
    )
    fw = raw_table(
        "AZFWNetworkRule",
        [
            {
                "TimeGenerated": f"2026-11-20T{hms}.0000000Z",
                "Protocol": "TCP",
                "SourceIp": "10.2.1.4",
                "SourcePort": 50100,
                "DestinationIp": dst,
                "DestinationPort": 443,
                "Action": "Allow",
                "Rule": "allow-kv",
                "_ResourceId": FW_ID,
            }
            for hms, dst in (("10:01:00", "10.1.2.4"), ("10:55:00", "10.3.0.9"))
        ],
    )
    return netlogs.trace(
        "kv-test",
        topology=reference_topology(),
        source=FakeSource([kv, fw]),
        start="2026-11-20T10:00:00Z",
        end="2026-11-20T11:00:00Z",
        now=NOW + timedelta(hours=6),
    )


def test_evidence_caps_the_cited_rows_or_cites_all(sample_result: netlogs.TraceResult) -> None:
    def trace(evidence: int | str) -> netlogs.TraceResult:
        return netlogs.trace(
            "kv-contoso-prod",
            topology=SAMPLE / "topology.yaml",
            logs=SAMPLE / "logs",
            now=datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc),
            evidence=evidence,
        )

    every, two = trace("all"), trace(2)
    assert sum(f.evidence_omitted for f in every.flows) == 0
    # the default 20 per kind holds every sample row but the flows of clients the vault served
    for default, full in zip(sample_result.flows, every.flows, strict=True):
        left_out = set(full.evidence) - set(default.evidence)
        assert {row.source for row in left_out} <= {LogFamily.FLOW}
        assert len(left_out) == default.evidence_omitted
    assert sum(f.evidence_omitted for f in sample_result.flows) > 0
    for capped, full in zip(two.flows, every.flows, strict=True):
        assert set(capped.evidence) <= set(full.evidence)
        assert len(capped.evidence) + capped.evidence_omitted == len(full.evidence)
    assert sum(f.evidence_omitted for f in two.flows) > 0
    for bad in (0, -3, "twenty", True):
        with pytest.raises(ConfigError, match="expected a number of rows"):
            trace(bad)  # type: ignore[arg-type]


def test_require_firewall_none_is_no_rule_and_none_is_the_topologys(
    sample_result: netlogs.TraceResult,
) -> None:
    """``require_firewall=None``: the topology's design rule (fw-hub); ``"none"``: no rule, even
    though the topology has one; the jump host's bypass is then no violation."""
    assert sample_result.vault.required_firewall == "fw-hub"
    assert sample_result.vault.required_firewall_source == "topology"
    no_rule = netlogs.trace(
        "kv-contoso-prod",
        topology=SAMPLE / "topology.yaml",
        logs=SAMPLE / "logs",
        now=datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc),
        require_firewall="none",
    )
    assert no_rule.vault.required_firewall is None
    assert no_rule.vault.required_firewall_source == ""
    assert no_rule.vault.required_firewall_note.startswith(
        "no design rule (--require-firewall none)"
    )
    jump = next(f for f in no_rule.flows if f.client_ip == "10.0.1.10")
    assert jump.verdict.value == "REACHED_BYPASSING_FIREWALL" and not jump.violation
    # the bypass and the service-endpoint access are no violations without a firewall rule
    assert no_rule.violations == sample_result.violations - 2 == 1
    assert no_rule.topology_sha256 == sample_result.topology_sha256


def test_the_stand_in_topology_knows_only_the_vault() -> None:
    """One stand-in for `netlogs.trace(topology=None)` and `netlogs trace` without --topology:
    the vault's settings are unknown, and the label says which input was missing."""
    from netlogs.api import trace_topology

    stand_in = trace_topology(None, "kv-x", absent="(no --topology given)")
    assert [v.name for v in stand_in.key_vaults] == ["kv-x"]
    assert stand_in.key_vaults[0].public_network_access == "Unknown"
    assert stand_in.source == "(no --topology given)"
    assert trace_topology(None, "kv-x").source == "(no topology given)"
