"""End to end: `netlogs trace --vault kv-contoso-prod` with no --topology, --logs or
--workspace, against the fake Azure: the real CLI, DefaultAzureCredential (stub `az`), the
Resource Graph and ARM SDK pipelines and LogsQueryClient over TLS, the fake running their KQL,
and the storage-only flow log's blobs from Azurite. It must reach the verdicts of the offline
sample (sample_data/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netlogs.testing import Run, invoke
from tests.discovery.discovery_support import (
    AZ_SCRIPT,
    FAKE_TOKEN,
    NO_LOGIN_SCRIPT,
    NOW,
    SAMPLE,
    WINDOW,
    write_az,
)
from tests.fake_azure import sample_estate
from tests.fake_azure.fake_azure import FakeAzure, forbidden_arm, forbidden_logs, throttled


def discovered_trace(*extra: str) -> list[str]:
    return [
        "trace",
        "--vault",
        "kv-contoso-prod",
        *WINDOW,
        "--now",
        NOW,
        "--format",
        "json",
        *extra,
    ]


@pytest.fixture(scope="module")
def offline() -> Run:
    return invoke(
        [
            "trace",
            "--vault",
            "kv-contoso-prod",
            "--topology",
            str(SAMPLE / "topology.yaml"),
            "--logs",
            str(SAMPLE / "logs"),
            *WINDOW,
            "--now",
            NOW,
            "--format",
            "json",
        ]
    )


EXPECTED_LOG_SETTINGS = [
    {
        "kind": "diagnostic setting",
        "resource": "kv-contoso-prod",
        "name": "to-law-platform",
        "categories": ["AuditEvent"],
        "destination": "workspace law-contoso-platform (resource-specific tables)",
        "enabled": True,
        "retention_days": 90,
        "traffic_analytics_interval_min": None,
    },
    {
        "kind": "diagnostic setting",
        "resource": "fw-hub",
        "name": "to-law-security",
        "categories": ["AZFWApplicationRule", "AZFWNatRule", "AZFWNetworkRule"],
        "destination": "workspace law-contoso-security (resource-specific tables)",
        "enabled": True,
        "retention_days": 30,
        "traffic_analytics_interval_min": None,
    },
    {
        "kind": "flow log",
        "resource": "vnet-spoke-app",
        "name": "fl-vnet-spoke-app",
        "categories": [],
        "destination": "storage account stcontosoflowlogs",
        "enabled": True,
        "retention_days": 7,
        "traffic_analytics_interval_min": None,
    },
]
RULE_LINE = (
    "assumed from the routes: traffic must pass fw-hub (--require-firewall NAME or none to decide)"
)


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    return {f["client_ip"]: f["verdict"] for f in document["flows"]}


def test_discovered_trace_reaches_the_offline_verdicts(
    fake_azure: FakeAzure, offline: Run, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "trace.json"
    run = invoke(discovered_trace("--json", str(out)))
    assert run.code == offline.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert verdicts(run.document) == verdicts(offline.document)
    assert len(run.document["flows"]) == 14
    # the design rule was read from the routes: the result says so with the vault, not as a gap
    vault = run.document["vault"]
    assert vault["required_firewall"] == "fw-hub"
    assert vault["required_firewall_source"] == "assumed from the routes"
    assert vault["required_firewall_note"].startswith(
        "assumed from the routes: traffic must pass fw-hub (every modelled path from"
    )
    assert not any("fw-hub" in g["message"] for g in run.document["gaps"])
    offline_vault = offline.document["vault"]  # the topology file's design rule
    assert (offline_vault["required_firewall_source"], offline_vault["required_firewall_note"]) == (
        "topology", ""
    )
    assert offline.document["log_settings"] == []
    # where each log family goes, as discovery read it
    assert run.document["log_settings"] == EXPECTED_LOG_SETTINGS
    # the discovered topology is kept next to the outputs; its hash is the report's
    topology = out.parent / "kv-contoso-prod.discovered-topology.yaml"
    assert topology.is_file()
    from netlogs.topology.loader import load_topology, topology_sha256

    assert topology_sha256(load_topology(topology)) == run.document["topology_sha256"]
    # the storage-only VNet flow log was read from its blobs (Azurite), like the offline files
    flow = next(s for s in run.document["sources"] if s["family"] == "flow")
    offline_flow_source = next(s for s in offline.document["sources"] if s["family"] == "flow")
    assert (flow["table"], flow["read"], flow["status"]) == ("raw:vnet_flow", 15, "complete")
    # the same rows read as the offline files; which of them concern the vault depends on the
    # clients each topology knows (discovery finds VMs, not the hand-written on-premises client)
    assert flow["read"] == offline_flow_source["read"]
    assert flow["used"] + sum(flow["set_aside"].values()) == flow["read"]
    assert set(flow["set_aside"]) == set(offline_flow_source["set_aside"]) == {"unrelated"}
    cited = {e["source"] for f in run.document["flows"] for e in f["evidence"]}
    assert "flow" in cited
    for ip, found in {f["client_ip"]: f for f in run.document["flows"]}.items():
        offline_flow = next(f for f in offline.document["flows"] if f["client_ip"] == ip)
        for key in ("violation", "vault_outcome", "requests", "snat_candidates"):
            assert found[key] == offline_flow[key], (ip, key)
    # only tables that exist were queried: no 400 from the workspaces
    queried = {q["workspace"] for q in run.document["queries"]}
    assert queried == {sample_estate.WS_PLATFORM, sample_estate.WS_SECURITY}
    names = {q["name"] for q in run.document["queries"]}
    assert "firewall_nat_rules" not in names and "flows_ntanetanalytics" not in names
    assert {"keyvault_requests_azkvauditlogs", "firewall_network_rules"} <= names
    for text in (run.stdout, run.stderr, out.read_text(encoding="utf-8")):
        assert FAKE_TOKEN not in text


def test_text_output_says_the_assumed_rule_on_its_first_line(fake_azure: FakeAzure) -> None:
    args = discovered_trace()
    run = invoke([a for a in args if a not in ("--format", "json")])
    assert run.code == 1, run.stderr
    assert run.stdout.splitlines()[0].startswith(
        "assumed from the routes: traffic must pass fw-hub"
    )


def test_a_second_trace_uses_the_cache(fake_azure: FakeAzure) -> None:
    assert invoke(discovered_trace()).code == 1
    before = len(fake_azure.graph_requests())
    assert before == 2
    second = invoke(discovered_trace())
    assert second.code == 1, second.stderr
    assert len(fake_azure.graph_requests()) == before  # no Resource Graph query the second time
    refreshed = invoke(discovered_trace("--refresh"))
    assert refreshed.code == 1 and len(fake_azure.graph_requests()) == before + 2


def test_no_sign_in_is_one_error_line(
    fake_azure: FakeAzure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_az(tmp_path / "bin", NO_LOGIN_SCRIPT)  # the PATH entry the fixture added
    run = invoke(discovered_trace())
    assert run.code == 2
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    assert "az login" in lines[0]
    assert not fake_azure.requests  # nothing was sent without a token


def test_a_forbidden_workspace_is_a_missing_source_not_a_clean_verdict(
    fake_azure: FakeAzure, offline: Run
) -> None:
    security = f"/v1/workspaces/{sample_estate.WS_SECURITY}/query"
    for _ in range(4):  # the probe and any retry
        fake_azure.fail_once(
            lambda r: r.path == security, forbidden_logs(sample_estate.WS_SECURITY)
        )
    run = invoke(discovered_trace())
    assert "Traceback" not in run.stderr and run.code in (1, 3), run.stderr
    refused = [s for s in run.document["sources"] if s["status"] == "partial"]
    assert refused and {s["family"] for s in refused} == {"firewall"}
    assert all("HTTP 403" in s["detail"] and "Log Analytics Reader" in s["detail"] for s in refused)
    assert all(s["rows"] == 0 for s in refused)
    found = verdicts(run.document)
    # without firewall logs nothing is proven about the firewall path: no bypass, no block,
    # no "not reached"; only what the vault's own log shows stays decided
    assert "REACHED_BYPASSING_FIREWALL" not in found.values()
    assert {found[ip] for ip in ("10.0.1.10", "10.1.1.4", "10.1.1.5", "172.20.10.25")} == {
        "INCONCLUSIVE"
    }
    assert found["10.0.0.69"] == "REACHED_VIA_FIREWALL"  # the vault saw fw-hub's SNAT address
    assert found["203.0.113.45"] == "REACHED_VIA_PUBLIC_ENDPOINT"


def test_throttled_resource_graph_is_retried(fake_azure: FakeAzure, offline: Run) -> None:
    fake_azure.fail_once(lambda r: "ResourceGraph" in r.path, throttled(1))
    run = invoke(discovered_trace("--refresh"))
    assert run.code == 1, run.stderr
    assert verdicts(run.document) == verdicts(offline.document)
    assert len(fake_azure.graph_requests()) == 3  # the 429, then the two queries


def test_an_unknown_vault_names_what_was_searched(fake_azure: FakeAzure) -> None:
    run = invoke(["trace", "--vault", "kv-nowhere", *WINDOW, "--now", NOW])
    assert run.code == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith("Error: --vault kv-nowhere: no Key Vault with name 'kv-nowhere'")
    assert "every subscription the signed-in identity can read" in line
    assert json.dumps(run.stdout) == '""'


def test_a_throttled_log_query_is_retried_after_retry_after(
    fake_azure: FakeAzure, offline: Run
) -> None:
    platform = f"/v1/workspaces/{sample_estate.WS_PLATFORM}/query"
    fake_azure.fail_once(lambda r: r.path == platform, throttled(1))
    run = invoke(discovered_trace())
    assert run.code == 1, run.stderr
    assert verdicts(run.document) == verdicts(offline.document)
    assert {s["status"] for s in run.document["sources"] if s["rows"]} == {"complete"}
    assert not fake_azure.faults  # the 429 was served, and its retry answered


def test_subscription_narrows_the_search(fake_azure: FakeAzure) -> None:
    run = invoke(discovered_trace("--subscription", sample_estate.OTHER_SUB))
    assert run.code == 2
    (line,) = run.stderr.splitlines()
    assert f"in subscription(s) {sample_estate.OTHER_SUB}" in line
    (request,) = fake_azure.graph_requests()
    assert request.body["subscriptions"] == [sample_estate.OTHER_SUB]


def test_sovereign_cloud_asks_for_its_own_token_scope(
    fake_azure: FakeAzure, tmp_path: Path
) -> None:
    asked = tmp_path / "az-args.txt"
    write_az(tmp_path / "bin", f'#!/bin/sh\necho "$@" >> {asked}\n' + AZ_SCRIPT.split("\n", 1)[1])
    run = invoke(
        ["doctor", "--vault", "kv-contoso-prod", "--cloud", "AzureUSGovernment", "--no-probe"]
    )
    assert run.code == 3, run.stderr
    assert "--resource https://management.core.usgovcloudapi.net" in asked.read_text()
    assert fake_azure.graph_requests()  # NETLOGS_ARM_ENDPOINT still points at the fake


def test_a_refused_resource_graph_query_is_one_error_line(fake_azure: FakeAzure) -> None:
    fake_azure.fail_once(
        lambda r: "ResourceGraph" in r.path,
        forbidden_arm("/", "Microsoft.ResourceGraph/resources/read"),
    )
    run = invoke(discovered_trace("--refresh"))
    assert run.code == 2 and run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert line.startswith("Error: Azure Resource Graph: HTTP 403 AuthorizationFailed: ")
    assert "Microsoft.ResourceGraph/resources/read" in line
    assert FAKE_TOKEN not in line


def test_blobs_the_identity_may_not_read_are_a_partial_flow_source(
    fake_azure: FakeAzure, tmp_path: Path
) -> None:
    # a token Azurite refuses for the storage scope: what a missing data role looks like
    any_scope = AZ_SCRIPT.replace("*storage.azure.com*)", "*never-matches*)")
    write_az(tmp_path / "bin", any_scope)
    run = invoke(discovered_trace())
    assert run.code == 1, run.stderr
    flow = next(s for s in run.document["sources"] if s["family"] == "flow")
    assert (flow["rows"], flow["status"]) == (0, "partial")
    assert "HTTP 403" in flow["detail"] and "Storage Blob Data Reader" in flow["detail"]


def _rule_span(html: str) -> str:
    """The text of the HTML banner's rule line, tags removed."""
    import re

    span = html.split('<span class="rule">', 1)[1].split("</span>\n", 1)[0]
    return re.sub(r"<[^>]+>", "", span)


def test_every_output_states_the_assumed_rule_first_and_lists_the_log_settings(
    fake_azure: FakeAzure, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    files = {name: out / name for name in ("trace.json", "report.html", "report.md")}
    run = invoke(
        discovered_trace(
            "--json", str(files["trace.json"]),
            "--html", str(files["report.html"]),
            "--markdown", str(files["report.md"]),
        )
    )
    assert run.code == 1, run.stderr
    markdown = files["report.md"].read_text(encoding="utf-8")
    lines = [line for line in markdown.splitlines() if line and not line.startswith("<!--")]
    assert lines[0].startswith("## VIOLATIONS")
    assert lines[1].startswith(f"**{RULE_LINE}**")
    settings = markdown.split("#### Log settings (discovered)", 1)[1]
    assert (
        "| diagnostic setting | kv-contoso-prod | to-law-platform | on | AuditEvent | "
        "workspace law-contoso-platform (resource-specific tables) | 90 d | - |"
    ) in settings
    assert (
        "| flow log | vnet-spoke-app | fl-vnet-spoke-app | on | - | "
        "storage account stcontosoflowlogs | 7 d | off |"
    ) in settings
    html = files["report.html"].read_text(encoding="utf-8")
    assert _rule_span(html) == RULE_LINE
    assert html.index('id="sources-table"') < html.index('id="log-settings-table"')
    assert "law-contoso-security (resource-specific tables)" in html
    # `netlogs report` renders the same banner and settings from the JSON alone
    again = invoke(
        [
            "report", str(files["trace.json"]),
            "--html", str(out / "again.html"),
            "--markdown", str(out / "again.md"),
        ]
    )
    assert again.code == 0, again.stderr
    assert (out / "again.md").read_text(encoding="utf-8") == markdown
    rerendered = (out / "again.html").read_text(encoding="utf-8")
    assert _rule_span(rerendered) == RULE_LINE
    table = html.split('id="log-settings-table"', 1)[1].split("</table>", 1)[0]
    assert table in rerendered


NO_RULE_LINE = (
    "no design rule (--require-firewall none): nothing is a bypass violation "
    "(a path around a firewall or via a service endpoint is not judged; public access is)"
)


def _outputs(tmp_path: Path, name: str) -> tuple[list[str], dict[str, Path]]:
    files = {kind: tmp_path / name / f"report.{kind}" for kind in ("json", "html", "md")}
    args = ["--json", str(files["json"]), "--html", str(files["html"]),
            "--markdown", str(files["md"])]
    return args, files


def test_require_firewall_none_reads_the_same_with_a_topology_and_discovered(
    fake_azure: FakeAzure, offline: Run, tmp_path: Path
) -> None:
    given = ["--topology", str(SAMPLE / "topology.yaml"), "--logs", str(SAMPLE / "logs")]
    runs: dict[str, tuple[Run, dict[str, Path]]] = {}
    for name, source in (("given", given), ("discovered", [])):
        files_args, files = _outputs(tmp_path, name)
        args = ["trace", "--vault", "kv-contoso-prod", *source, *WINDOW, "--now", NOW,
                "--require-firewall", "none", *files_args]
        runs[name] = (invoke(args), files)
    for name, (run, files) in runs.items():
        # the public-endpoint client is still a violation; no bypass is one any more
        assert run.code == 1, (name, run.stderr)
        # the terminal's first line (wrapped to its width) states it
        assert run.stdout.splitlines()[0].startswith("no design rule (--require-firewall none): ")
        document = json.loads(files["json"].read_text(encoding="utf-8"))
        vault = document["vault"]
        assert (vault["required_firewall"], vault["required_firewall_source"]) == (None, None)
        assert vault["required_firewall_note"] == NO_RULE_LINE, name
        flows = {f["client_ip"]: f for f in document["flows"]}
        assert flows["10.0.1.10"]["verdict"] == "REACHED_BYPASSING_FIREWALL"
        assert not any(
            f["violation"] for f in flows.values() if f["verdict"] == "REACHED_BYPASSING_FIREWALL"
        ), name
        assert flows["203.0.113.45"]["violation"], name
        markdown = files["md"].read_text(encoding="utf-8")
        assert f"**{NO_RULE_LINE}**" in markdown, name
        assert _rule_span(files["html"].read_text(encoding="utf-8")) == NO_RULE_LINE, name
    given_doc, discovered_doc = (
        json.loads(runs[name][1]["json"].read_text(encoding="utf-8"))
        for name in ("given", "discovered")
    )
    assert given_doc["vault"] == {**discovered_doc["vault"], "private_endpoints":
                                  given_doc["vault"]["private_endpoints"]}
    assert {f["client_ip"]: (f["verdict"], f["violation"]) for f in given_doc["flows"]} == {
        f["client_ip"]: (f["verdict"], f["violation"]) for f in discovered_doc["flows"]
    }
    # the file's design rule is set aside for this trace, not rewritten: its hash is the same
    assert given_doc["topology_sha256"] == offline.document["topology_sha256"]
    # without the flag the file's rule (fw-hub) applies and the jump host's bypass is one
    offline_flows = {f["client_ip"]: f for f in offline.document["flows"]}
    assert offline_flows["10.0.1.10"]["violation"]
