"""Discovery of a large estate served by the fake Azure: Resource Graph round trips and the
discovery's own work, compared with `topology import` of the same resources from JSON files.

Size 1x = 50 subscriptions x 10 VNets x 10 subnets (5,000 subnets), 2,000 private endpoints of
storage accounts, 2,000 VM network interfaces, one route table per VNet, one vault with its
endpoint. The fake (tests/fake_azure) executes the Resource Graph KQL with duckdb-kql and pages
1,000 rows per answer.

Checks (exit 1 when one fails):
- Resource Graph round trips <= ceil(resources / 1000) + 5;
- every resource of the estate came back exactly once.
Reports: round trips, wall time of the whole discovery (network included), the discovery's own
work (`build_discovery`: parsing, topology, log plan, design rule) against `import_az_json` of
the same rows written as az JSON files, and a cached second run's time to its log plan (the
CLI's path: `discover_cached` reading the built estate), also with the discovered topology file
written (which the CLI does before its first log query); the cached run must give the same
topology, log plan and design rule as the first. Also the seconds trace() spends hashing the
topology: a fresh dump against the digest kept by the first run's dump and by the cache.

Usage:  .venv/bin/python benchmarks/discovery_bench.py [--scale 0.1] [--page 1000]
(--page 100 makes a small estate page like a large one; the bound becomes ceil(resources/page)+5)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: the fake Azure lives in tests/

from tests.fake_azure.fake_azure import FakeAzure  # noqa: E402
from tests.fake_azure.fake_kql import KqlEngine  # noqa: E402
from tests.fake_azure.sample_estate import resource  # noqa: E402

TOKEN_SCRIPT = """#!/bin/sh
echo '{"accessToken": "bench", "expiresOn": "2099-01-01 00:00:00.000000",
 "expires_on": 4070908800, "tokenType": "Bearer"}'
"""


def _sub(index: int) -> str:
    return f"{index:08x}-0000-4000-8000-{index:012x}"


def _net(sub: str, kind: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/rg-net/providers/Microsoft.Network/{kind}/{name}"


def estate(scale: float) -> list[dict[str, Any]]:
    """The generated estate as Resource Graph rows."""
    subscriptions = max(1, round(50 * scale))
    rows: list[dict[str, Any]] = []
    for s in range(subscriptions):
        sub = _sub(s + 1)
        for v in range(10):
            vnet = f"vnet-{s}-{v}"
            rt_id = _net(sub, "routeTables", f"rt-{s}-{v}")
            route = {
                "name": "blackhole",
                "properties": {"addressPrefix": "192.168.0.0/16", "nextHopType": "None"},
            }
            rows.append(resource(rt_id, {"routes": [route]}))
            subnets = [
                {
                    "id": f"{_net(sub, 'virtualNetworks', vnet)}/subnets/snet-{i}",
                    "name": f"snet-{i}",
                    "properties": {
                        "addressPrefix": f"10.{s}.{v * 16 + i}.0/24",
                        "routeTable": {"id": rt_id},
                    },
                }
                for i in range(10)
            ]
            rows.append(
                resource(
                    _net(sub, "virtualNetworks", vnet),
                    {
                        "addressSpace": {"addressPrefixes": [f"10.{s}.{v * 16}.0/20"]},
                        "subnets": subnets,
                        "virtualNetworkPeerings": [],
                    },
                )
            )
            for n in range(4):
                subnet = subnets[n]["id"]
                ip = f"10.{s}.{v * 16 + n}.{10 + n}"
                rows.append(_endpoint(sub, f"pe-{s}-{v}-{n}", subnet, ip))
                rows.append(_nic(sub, f"vm-{s}-{v}-{n}", subnet, f"10.{s}.{v * 16 + n}.{50 + n}"))
    rows += _vault(_sub(1))
    return rows


def _endpoint(sub: str, name: str, subnet: str, ip: str) -> dict[str, Any]:
    storage = (
        f"/subscriptions/{sub}/resourceGroups/rg-st/providers/Microsoft.Storage/"
        f"storageAccounts/st{name.replace('-', '')}"
    )
    return resource(
        _net(sub, "privateEndpoints", name),
        {
            "subnet": {"id": subnet},
            "privateLinkServiceConnections": [
                {
                    "name": name,
                    "properties": {"privateLinkServiceId": storage, "groupIds": ["blob"]},
                }
            ],
            "customDnsConfigs": [{"ipAddresses": [ip]}],
        },
    )


def _nic(sub: str, vm: str, subnet: str, ip: str) -> dict[str, Any]:
    vm_id = (
        f"/subscriptions/{sub}/resourceGroups/rg-vm/providers/Microsoft.Compute/"
        f"virtualMachines/{vm}"
    )
    return resource(
        _net(sub, "networkInterfaces", f"{vm}-nic"),
        {
            "virtualMachine": {"id": vm_id},
            "ipConfigurations": [
                {"name": "ip", "properties": {"privateIPAddress": ip, "subnet": {"id": subnet}}}
            ],
        },
    )


def _vault(sub: str) -> list[dict[str, Any]]:
    vault_id = (
        f"/subscriptions/{sub}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-bench"
    )
    subnet = f"{_net(sub, 'virtualNetworks', 'vnet-0-0')}/subnets/snet-9"
    endpoint = resource(
        _net(sub, "privateEndpoints", "pe-kv-bench"),
        {
            "subnet": {"id": subnet},
            "privateLinkServiceConnections": [
                {
                    "name": "pe-kv",
                    "properties": {"privateLinkServiceId": vault_id, "groupIds": ["vault"]},
                }
            ],
            "customDnsConfigs": [{"ipAddresses": ["10.0.9.4"]}],
        },
    )
    vault = resource(
        vault_id,
        {"vaultUri": "https://kv-bench.vault.azure.net/", "publicNetworkAccess": "Disabled"},
    )
    return [endpoint, vault]


def _environment(fake: FakeAzure, workdir: Path) -> None:
    bin_dir = workdir / "bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text(TOKEN_SCRIPT)
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    os.environ.update(
        {
            "AZURE_TOKEN_CREDENTIALS": "AzureCliCredential",
            "NETLOGS_ARM_ENDPOINT": fake.base_url,
            "REQUESTS_CA_BUNDLE": str(fake.ca_file),
            "XDG_CACHE_HOME": str(workdir / "cache"),
        }
    )


def run(scale: float, page: int) -> int:
    from netlogs.azure.clouds import resolve_cloud
    from netlogs.azure.credential import sign_in
    from netlogs.pipeline.discover import build_discovery, read_azure
    from netlogs.pipeline.discovery_cache import cache_file, discover_cached, save_estate
    from netlogs.topology.azure_import import import_az_json, write_topology_file
    from tests.fake_azure import fake_azure

    fake_azure.PAGE = page
    rows = estate(scale)
    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        with FakeAzure(workdir, rows, {}, [], KqlEngine()) as fake:
            _environment(fake, workdir)
            cloud = resolve_cloud(None)
            credential = sign_in(cloud)
            started = time.perf_counter()
            answers = read_azure("kv-bench", (), credential, cloud)
            built = time.perf_counter()
            found = build_discovery(answers, (), None)
            first_total = time.perf_counter() - started
            own_work = time.perf_counter() - built
            save_start = time.perf_counter()
            document = found.topology_document()  # the first run writes the file as well
            save_estate(cache_file(cloud.name, "kv-bench", ()), found.estate, document)
            save_time = time.perf_counter() - save_start
            asked = len(fake.requests)
            second_start = time.perf_counter()
            notes: list[str] = []
            again, _ = discover_cached(
                "kv-bench", (), credential, cloud, require_firewall=None, warn=notes.append
            )
            second = time.perf_counter() - second_start
            topology_file = workdir / "kv-bench.discovered-topology.yaml"
            write_topology_file(again.topology, topology_file, again.topology_document())
            second_with_file = time.perf_counter() - second_start
            assert not notes and len(fake.requests) == asked and again.topology == found.topology
            assert again.plan == found.plan and again.rule == found.rule
            assert again.document == document
            hashes = _trace_hash_seconds(found.topology, again.topology)
        files = workdir / "az"
        files.mkdir()
        (files / "resources.json").write_text(json.dumps(rows), encoding="utf-8")
        import_start = time.perf_counter()
        imported = import_az_json(files)
        import_time = time.perf_counter() - import_start
    allowed = math.ceil(len(rows) / page) + 5
    ids = [str(r["id"]).lower() for r in answers.rows]
    subnets = sum(len(v.subnets) for v in found.topology.vnets)
    print(
        f"scale {scale}: {len(rows)} resources, {subnets} subnets, "
        f"{len(found.topology.private_endpoints)} vault endpoints, "
        f"{len(found.topology.clients)} clients"
    )
    print(
        f"Resource Graph round trips: {answers.graph_round_trips} (allowed {allowed}, "
        f"{page} rows a page)"
    )
    print(
        f"first discovery: {first_total:.2f} s wall (network included); own work "
        f"(build_discovery) {own_work:.2f} s; topology import of the same rows "
        f"{import_time:.2f} s -> ratio {own_work / import_time:.2f}x"
    )
    print(
        f"cached second run to its log plan: {second:.2f} s "
        f"({100 * second / first_total:.1f} % of the first); with the discovered topology "
        f"file written: {second_with_file:.2f} s ({100 * second_with_file / first_total:.1f} %); "
        f"the first run's topology file text and cache: {save_time:.2f} s"
    )
    print(
        "the trace's topology hash: a fresh dump (every trace before) {:.3f} s; first run "
        "(the file's dump kept) {:.4f} s; cached run (the cache's text) {:.4f} s".format(*hashes)
    )
    ok = answers.graph_round_trips <= allowed and len(set(ids)) == len(ids) == len(rows)
    ok = ok and len(imported.vnets) == len(found.topology.vnets)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def _trace_hash_seconds(first: Any, cached: Any) -> tuple[float, float, float]:
    """Seconds ``trace()`` spends on ``topology_sha256`` of the topology it judges: a new
    instance of the same topology (nothing kept: a dump), the first run's, the cached run's."""
    from dataclasses import replace

    from netlogs.routing.vwan import expand_constructs
    from netlogs.topology.coverage import with_coverage_gaps
    from netlogs.topology.dump import topology_sha256

    seconds, digests = [], set()
    for topology in (replace(first, source="a new instance"), first, cached):
        judged = expand_constructs(with_coverage_gaps(topology))  # what trace() hashes
        started = time.perf_counter()
        digests.add(topology_sha256(judged))
        seconds.append(time.perf_counter() - started)
    assert len(digests) == 1, "the kept digests differ from a fresh dump"
    return seconds[0], seconds[1], seconds[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--page", type=int, default=1000, help="rows per answer (service: 1000)")
    args = parser.parse_args()
    return run(args.scale, args.page)


if __name__ == "__main__":
    raise SystemExit(main())
