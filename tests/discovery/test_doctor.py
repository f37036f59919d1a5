"""`netlogs doctor --vault kv-contoso-prod` against the fake: the coverage gaps the sample
estate is built with (no flow log on vnet-hub and vnet-spoke-kv; vnet-spoke-app's flow log
goes to storage only), each with the command that closes it; exit 3."""

from __future__ import annotations

from netlogs.testing import invoke
from tests.fake_azure import sample_estate
from tests.fake_azure.fake_azure import FakeAzure, forbidden_arm, forbidden_logs


def test_doctor_reports_the_sample_gaps_with_commands(fake_azure: FakeAzure) -> None:
    run = invoke(["doctor", "--vault", "kv-contoso-prod"])
    assert run.code == 3, run.stderr
    out = run.stdout
    assert out.splitlines()[0].startswith("assumed from the routes: traffic must pass fw-hub")
    gaps = out.split("Gaps (3):", 1)[1].split("\n\n", 1)[0]
    assert "vnet-hub has no VNet flow log" in gaps
    assert "vnet-spoke-kv has no VNet flow log" in gaps
    assert "fl-vnet-spoke-app on vnet-spoke-app goes to storage account stcontosoflowlogs" in gaps
    assert "Storage Blob Data Reader" in gaps
    hub_id = sample_estate.net_id(sample_estate.NET, "virtualNetworks", "vnet-hub")
    assert (
        "az network watcher flow-log create --location westeurope --name fl-vnet-hub "
        f"--vnet {hub_id} --storage-account {sample_estate.STORAGE_ID} "
        f"--traffic-analytics true --workspace {sample_estate.WS_PLATFORM_ID} --interval 10"
    ) in gaps
    assert (
        "az network watcher flow-log update --location westeurope --name fl-vnet-spoke-app" in gaps
    )
    # the firewall and the vault are covered: which category, where, retention
    assert (
        "AZFWNetworkRule, AZFWApplicationRule: -> law-contoso-security (resource-specific, "
        "retention 30 d)" in out
    )
    assert "AuditEvent: -> law-contoso-platform (resource-specific, retention 90 d)" in out
    assert "off: AZFWDnsQuery, AZFWFlowTrace" in out
    assert "Missing permissions" not in out


def test_doctor_names_the_missing_permission_and_the_role(fake_azure: FakeAzure) -> None:
    fake_azure.fail_once(
        lambda r: "azureFirewalls" in r.path and r.path.endswith("diagnosticSettings"),
        forbidden_arm(sample_estate.FIREWALL_ID, "Microsoft.Insights/diagnosticSettings/read"),
    )
    run = invoke(["doctor", "--vault", "kv-contoso-prod", "--refresh"])
    assert run.code == 3, run.stderr
    permissions = run.stdout.split("Missing permissions:", 1)[1]
    assert "HTTP 403 AuthorizationFailed" in permissions
    assert f"(Reader on {sample_estate.FIREWALL_ID})" in permissions
    firewall_hops = [line for line in run.stdout.splitlines() if line.strip().startswith("firewal")]
    assert firewall_hops and all(" unknown " in line for line in firewall_hops)


def test_doctor_names_a_workspace_it_may_not_query(fake_azure: FakeAzure) -> None:
    security = f"/v1/workspaces/{sample_estate.WS_SECURITY}/query"
    for _ in range(4):
        fake_azure.fail_once(
            lambda r: r.path == security, forbidden_logs(sample_estate.WS_SECURITY)
        )
    run = invoke(["doctor", "--vault", "kv-contoso-prod"])
    assert run.code == 3, run.stderr
    permissions = run.stdout.split("Missing permissions:", 1)[1]
    assert "workspace law-contoso-security" in permissions
    assert "HTTP 403" in permissions and "Log Analytics Reader" in permissions


def test_doctor_without_sign_in_could_not_run(fake_azure: FakeAzure, tmp_path) -> None:
    from tests.discovery.discovery_support import NO_LOGIN_SCRIPT, write_az

    write_az(tmp_path / "bin", NO_LOGIN_SCRIPT)
    run = invoke(["doctor", "--vault", "kv-contoso-prod"])
    assert run.code == 2 and run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert line.startswith("Error: not signed in to Azure") and "az login" in line
