"""The Azure adapters against the fake: real azure-core / azure-mgmt-resourcegraph clients over
TLS, the fake executing the KQL they send."""

from __future__ import annotations

import pytest

from netlogs.azure.arm import ArmClient
from netlogs.azure.clouds import resolve_cloud
from netlogs.azure.credential import sign_in
from netlogs.azure.resource_graph import ResourceGraph
from netlogs.errors import AzureRequestError
from tests.discovery.discovery_support import FAKE_TOKEN
from tests.fake_azure import sample_estate
from tests.fake_azure.fake_azure import FakeAzure, forbidden_arm, throttled


def test_resource_graph_runs_the_query_over_the_estate(fake_azure: FakeAzure) -> None:
    cloud = resolve_cloud(None)
    waits: list[float] = []
    graph = ResourceGraph(sign_in(cloud), cloud, sleep=waits.append)
    fake_azure.quota = 2  # the second answer says: no query left in this window
    answer = graph.query(
        "Resources | where type =~ 'microsoft.network/networkinterfaces' | project id, name "
        "| order by id asc"
    )
    # 11 NICs, one page; then a query over everything, in pages of 1,000 (the fake's page)
    assert len(answer.rows) == 11 and answer.round_trips == 1
    requests = fake_azure.graph_requests()
    assert requests[0].headers["authorization"] == f"Bearer {FAKE_TOKEN}"
    assert requests[0].body["options"]["resultFormat"] == "objectArray"


def test_resource_graph_follows_skip_tokens(fake_azure: FakeAzure) -> None:
    cloud = resolve_cloud(None)
    waits: list[float] = []
    graph = ResourceGraph(sign_in(cloud), cloud, sleep=waits.append)
    fake_azure.quota = 1
    from tests.fake_azure import fake_azure as fake_module

    fake_module.PAGE = 10  # small pages: the estate has more than 10 resources
    try:
        answer = graph.query("Resources | project id | order by id asc")
    finally:
        fake_module.PAGE = 1000
    total = len(sample_estate.resources())
    assert len(answer.rows) == total
    assert answer.round_trips == -(-total // 10)
    assert len({row["id"] for row in answer.rows}) == total
    tokens = [r.body["options"].get("$skipToken") for r in fake_azure.graph_requests()]
    assert tokens[0] is None and all(tokens[1:])
    assert waits and waits[0] == pytest.approx(1.0)  # quota 0 -> waited resets-after (00:00:01)


def test_resource_graph_retries_a_429_with_retry_after(fake_azure: FakeAzure) -> None:
    cloud = resolve_cloud(None)
    fake_azure.fail_once(lambda r: "ResourceGraph" in r.path, throttled(1))
    answer = ResourceGraph(sign_in(cloud), cloud).query("Resources | project id | order by id")
    assert len(answer.rows) == len(sample_estate.resources())
    assert len(fake_azure.graph_requests()) == 2


def test_diagnostic_settings_and_their_errors(fake_azure: FakeAzure) -> None:
    cloud = resolve_cloud(None)
    arm = ArmClient(sign_in(cloud), cloud)
    settings = arm.diagnostic_settings(sample_estate.VAULT_ID)
    assert [s["name"] for s in settings] == ["to-law-platform"]
    assert settings[0]["properties"]["logAnalyticsDestinationType"] == "Dedicated"
    fake_azure.fail_once(
        lambda r: "azureFirewalls" in r.path,
        forbidden_arm(sample_estate.FIREWALL_ID, "Microsoft.Insights/diagnosticSettings/read"),
    )
    with pytest.raises(AzureRequestError) as caught:
        arm.diagnostic_settings(sample_estate.FIREWALL_ID)
    assert caught.value.status == 403 and caught.value.code == "AuthorizationFailed"
    with pytest.raises(AzureRequestError) as missing:
        arm.diagnostic_settings(sample_estate.VAULT_ID + "-gone")
    assert missing.value.status == 404
    assert FAKE_TOKEN not in str(caught.value)
