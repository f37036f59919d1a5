"""Effective-route and expected-path timings on a synthetic hub-and-spoke estate.

Size 1x = 500 VNets, 5,000 subnets, 2,000 private endpoints, 200 route tables: hubs of 125 VNets
(one hub, 124 spokes peered to it with gateway transit), hubs fully meshed, alternating regions
(global peering), every hub with an active/active VPN gateway (20 learned prefixes) and an Azure
Firewall, every 20th VNet with a second address range, every 7th subnet with service endpoints,
route tables (0/0 -> the hub firewall, four /24 UDRs, some without propagation) shared by spoke
subnets, PE subnets alternating network policies Enabled/Disabled; and the part-2 constructs:
two secured Virtual WAN hubs of one Virtual WAN with routing intent (5 connected VNets each, 20
branch prefixes each, an ExpressRoute gateway with 10 prefixes and imported effective routes on
the first), a Route Server (20 learned routes) in the first hub, an NSG on every 10th PE subnet,
an AVNM mesh of 10 spokes, AVNM security admin rules (11) on every 7th spoke and an AVNM routing
configuration (8 UDRs) on every 11th, and the privatelink zone linked to every VNet with an A
record per vault.

Usage:  .venv/bin/python benchmarks/routing_bench.py [--scales 1,4,16] [--reps 5,3,1]
Every figure is measured cold: each scale runs in a fresh child process, and every timed call
starts from nothing another call warmed. Effective routes of 100 random subnets: each subnet
on its own fresh index with the address-parsing caches cleared, so no per-VNet table, parsed
prefix or route list computed for an earlier subnet is reused (the index build is timed apart);
"first answer" = index build + that one table, what a single ``netlogs routes`` call pays after
loading. 10,000 expected_path() lookups from random client IPs to random vaults start each
repetition on a fresh Topology object (so a fresh index) with the caches cleared.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import subprocess
import sys
import time

from netlogs.paths import expected_path
from netlogs.routing import RoutingIndex, RoutingOptions, routes_of
from netlogs.routing.prefixes import format_ip, parse_ip, parse_prefix
from netlogs.topology.model import (
    BgpRoute,
    ConnectivityConfiguration,
    Firewall,
    HubRoute,
    HubRouteView,
    KeyVault,
    NetworkSecurityGroup,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    Route,
    RouteServer,
    RouteTable,
    RoutingRuleCollection,
    SecurityAdminRule,
    SecurityAdminRuleCollection,
    SecurityRule,
    Subnet,
    Topology,
    VirtualHub,
    VirtualNetwork,
    VirtualNetworkGateway,
)

SPOKES_PER_HUB = 124
SUBNETS_PER_VNET = 10


def vnet_base(i: int) -> int:
    return (10 << 24) + i * 2048  # one /21 per VNet inside 10.0.0.0/8 (8,192 VNets max)


def build(scale: int, spokes: int = SPOKES_PER_HUB) -> Topology:
    n_vnets = 500 * scale
    hubs = list(range(0, n_vnets, spokes + 1))
    hub_set = set(hubs)
    hub_of = {i: (i // (spokes + 1)) * (spokes + 1) for i in range(n_vnets)}
    tables = _route_tables(scale, hubs)
    vnets, pes = [], []
    for i in range(n_vnets):
        vnet, vnet_pes = _vnet(
            i,
            is_hub=i in hub_set,
            hubs=hubs,
            hub=hub_of[i],
            tables=tables,
            scale=scale,
            spokes=spokes,
        )
        vnets.append(vnet)
        pes.extend(vnet_pes)
    pes = pes[: 2000 * scale]
    vaults = tuple(KeyVault(f"kv{k}", private_endpoints=(pe.name,)) for k, pe in enumerate(pes))
    pes = [PrivateEndpoint(pe.name, pe.subnet, pe.ip, f"kv{k}") for k, pe in enumerate(pes)]
    vnets += _vwan_vnets(n_vnets)
    return Topology(
        vnets=tuple(vnets),
        route_tables=tuple(t for ts in tables.values() for t in ts),
        firewalls=tuple(
            Firewall(
                f"fw{h}", f"vnet{h}", format_ip(vnet_base(h) + 4), subnet="AzureFirewallSubnet"
            )
            for h in hubs
        ),
        gateways=tuple(
            VirtualNetworkGateway(
                f"gw{h}",
                f"vnet{h}",
                instance_ips=(format_ip(vnet_base(h) + 132), format_ip(vnet_base(h) + 133)),
                learned_prefixes=tuple(f"172.{16 + k}.{h % 250}.0/24" for k in range(20)),
            )
            for h in hubs
        ),
        private_endpoints=tuple(pes),
        key_vaults=vaults,
        service_prefixes=(
            ("Microsoft.KeyVault", tuple(f"20.{k}.0.0/24" for k in range(50))),
            ("Microsoft.Storage", tuple(f"52.{k}.1.0/24" for k in range(100))),
        ),
        **_part2_constructs(vnets, pes, hubs),
    )


VWAN_VNETS = 10


def _vwan_vnets(first: int) -> list[VirtualNetwork]:
    """VNets connected to a secured Virtual WAN hub (no peerings of their own)."""
    result = []
    for i in range(first, first + VWAN_VNETS):
        base = vnet_base(i)
        subnets = tuple(Subnet(f"snet-{s}", f"vnet{i}", (f"{format_ip(base + s * 128)}/25",))
                        for s in range(SUBNETS_PER_VNET))
        result.append(VirtualNetwork(f"vnet{i}", (f"{format_ip(base)}/21",), "westeurope",
                                     subnets))
    return result


def _part2_constructs(
    vnets: list[VirtualNetwork], pes: list[PrivateEndpoint], hubs: list[int]
) -> dict[str, object]:
    """Virtual WAN (two secured hubs with routing intent, branches, an ExpressRoute gateway and
    imported hub effective routes), Route Server, NSGs, AVNM (a mesh, security admin rules and a
    routing configuration) and private DNS over the same estate."""
    names = [v.name for v in vnets]
    deny = SecurityRule("deny-443", 200, "Inbound", "Deny", "Tcp", ("172.16.0.0/12",),
                        destination_ports=("443",))
    spokes = [n for i, n in enumerate(names[:-VWAN_VNETS]) if i not in set(hubs)]
    return {
        "virtual_hubs": _virtual_hubs(names[-VWAN_VNETS:]),
        "route_servers": (RouteServer("ars0", f"vnet{hubs[0]}", tuple(
            BgpRoute(f"192.168.{k}.0/24", format_ip(vnet_base(hubs[0]) + 260 + k % 2), "65030")
            for k in range(20))),),
        "network_security_groups": tuple(
            NetworkSecurityGroup(f"nsg{i}", (f"{v.name}/snet-2",), rules=(deny,))
            for i, v in enumerate(vnets[:-VWAN_VNETS]) if i % 10 == 3),
        "connectivity_configurations": (ConnectivityConfiguration(
            "cc-mesh", "Mesh", tuple(names[1:400:40])),),
        "security_admin_rules": (SecurityAdminRuleCollection(
            "rc-guardrails", tuple(spokes[::7]), _admin_rules(), configuration="sac-core"),),
        "routing_rules": (RoutingRuleCollection(
            "rrc-spokes", tuple(spokes[1::11]), tuple(
                Route(f"to-hub-{k}", f"{format_ip(vnet_base(hubs[k % len(hubs)]))}/21",
                      "VirtualAppliance", format_ip(vnet_base(hubs[k % len(hubs)]) + 4))
                for k in range(8)),
            configuration="rc-core"),),
        "private_dns_zones": (PrivateDnsZone(
            "privatelink.vaultcore.azure.net", tuple(names),
            tuple((pe.target, pe.ip) for pe in pes)),),
    }


def _admin_rules() -> tuple[SecurityAdminRule, ...]:
    denies = [
        SecurityAdminRule(f"deny-{k}", 100 + k, "Deny", protocol="Tcp",
                          source_prefixes=(f"172.{16 + k}.0.0/16",), destination_ports=("443",))
        for k in range(10)
    ]
    always = SecurityAdminRule("allow-mgmt", 50, "AlwaysAllow", protocol="Tcp",
                               source_prefixes=("10.250.0.0/16",), destination_ports=("22",))
    return (*denies, always)


def _virtual_hubs(connected: list[str]) -> tuple[VirtualHub, ...]:
    half = len(connected) // 2
    hubs = []
    for h, members in enumerate((connected[:half], connected[half:])):
        base = vnet_base(8180 + 2 * h)
        firewall_ip = format_ip(base + 4)
        hub_routes = (HubRouteView("RouteTable", "defaultRouteTable", (
            HubRoute(("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"), "Azure Firewall",
                     (f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
                      f"azureFirewalls/fw-vhub{h}",), "", "fw-vhub" + str(h)),)),)
        hubs.append(VirtualHub(
            f"vhub{h}", f"{format_ip(base)}/23", tuple(members), firewall_ip,
            ("PrivateTraffic", "Internet"), firewall=f"fw-vhub{h}",
            branch_prefixes=tuple(f"192.{100 + h}.{k}.0/24" for k in range(20)),
            vpn_gateway_ips=(format_ip(base + 140), format_ip(base + 141)),
            effective_routes=hub_routes if h == 0 else (),
            virtual_wan="vwan0",
            expressroute_gateway="ergw-vhub0" if h == 0 else None,
            expressroute_prefixes=tuple(f"192.200.{k}.0/24" for k in range(10)) if h == 0 else (),
        ))
    return tuple(hubs)


def _route_tables(scale: int, hubs: list[int]) -> dict[int, list[RouteTable]]:
    tables: dict[int, list[RouteTable]] = {h: [] for h in hubs}
    for k in range(200 * scale):
        hub = hubs[k % len(hubs)]
        firewall = format_ip(vnet_base(hub) + 4)
        routes = [Route("default", "0.0.0.0/0", "VirtualAppliance", firewall)]
        routes += [
            Route(
                f"r{j}",
                f"{format_ip(vnet_base((k * 7 + j) % 500) + 256)}/24",
                "VirtualAppliance",
                firewall,
            )
            for j in range(4)
        ]
        tables[hub].append(RouteTable(f"rt{k}", tuple(routes), k % 5 == 0))
    return tables


def _vnet(
    i: int,
    *,
    is_hub: bool,
    hubs: list[int],
    hub: int,
    tables: dict[int, list[RouteTable]],
    scale: int,
    spokes: int,
) -> tuple[VirtualNetwork, list[PrivateEndpoint]]:
    name = f"vnet{i}"
    base = vnet_base(i)
    subnets, pes = [], []
    for s in range(SUBNETS_PER_VNET):
        subnet_name = _subnet_name(is_hub, s)
        table = None if is_hub else tables[hub][(i + s) % len(tables[hub])].name
        subnets.append(
            Subnet(
                subnet_name,
                name,
                (f"{format_ip(base + s * 128)}/25",),
                route_table=table if s != 2 else None,
                service_endpoints=("Microsoft.KeyVault", "Microsoft.Storage")
                if (i + s) % 7 == 0
                else (),
                private_endpoint_network_policies="Enabled" if i % 2 else "Disabled",
            )
        )
    if not is_hub:
        pes = [
            PrivateEndpoint(f"pe{i}-{k}", f"{name}/snet-2", format_ip(base + 256 + 4 + k), "")
            for k in range(5)
        ]
    ranges = (f"{format_ip(base)}/21",)
    if i % 20 == 0:
        ranges += (f"{format_ip((100 << 24) + (64 << 16) + (i // 20) * 2048)}/21",)
    if is_hub:
        peerings = [
            Peering(f"{name}-to-vnet{j}", f"vnet{j}", allow_gateway_transit=True)
            for j in range(hub + 1, min(hub + spokes + 1, 500 * scale))
        ]
        peerings += [Peering(f"{name}-to-vnet{h}", f"vnet{h}") for h in hubs if h != i]
    else:
        peerings = [Peering(f"{name}-to-hub", f"vnet{hub}", use_remote_gateways=True)]
    region = "westeurope" if (hub // (spokes + 1)) % 2 == 0 else "northeurope"
    return VirtualNetwork(name, ranges, region, tuple(subnets), tuple(peerings)), pes


def _subnet_name(is_hub: bool, s: int) -> str:
    if is_hub and s == 0:
        return "AzureFirewallSubnet"
    if is_hub and s == 1:
        return "GatewaySubnet"
    return f"snet-{s}"


def _cold_caches() -> None:
    """Forget every parsed address and prefix (process-wide caches a long run would warm)."""
    parse_ip.cache_clear()
    parse_prefix.cache_clear()


def time_routes(
    topo: Topology, refs: list[str], reps: int
) -> tuple[list[float], list[float], list[float]]:
    """Milliseconds per subnet table (all repetitions), per index build, per first answer.

    Cold: every subnet gets a fresh index and empty parsing caches, so nothing computed for an
    earlier subnet (its VNet's shared routes, peers' PE routes, parsed prefixes) is reused.
    """
    tables: list[float] = []
    builds: list[float] = []
    firsts: list[float] = []
    for _ in range(reps):
        for ref in refs:
            _cold_caches()
            start = time.perf_counter()
            index = RoutingIndex(topo, RoutingOptions())
            built = time.perf_counter()
            routes_of(index, ref)
            done = time.perf_counter()
            builds.append((built - start) * 1000)
            tables.append((done - built) * 1000)
            firsts.append((done - start) * 1000)
    return tables, builds, firsts


def time_paths(topo: Topology, lookups: int, reps: int, rng: random.Random) -> list[float]:
    """Total seconds per repetition of ``lookups`` expected_path() calls (cold caches)."""
    subnets = [s for v in topo.vnets for s in v.subnets if s.name.startswith("snet")]
    clients = [
        format_ip((parse_prefix(s.address_prefixes[0]) or (0, 0))[0] + 10)
        for s in rng.sample(subnets, 500)
    ]
    vaults = [v.name for v in rng.sample(topo.key_vaults, 200)]
    pairs = [(rng.choice(clients), rng.choice(vaults)) for _ in range(lookups)]
    totals = []
    for _ in range(reps):
        fresh = Topology(**{f: getattr(topo, f) for f in topo.__dataclass_fields__})
        _cold_caches()
        start = time.perf_counter()
        for client, vault in pairs:
            expected_path(fresh, client, vault)
        totals.append(time.perf_counter() - start)
    return totals


def run(scale: int, reps: int, spokes: int = SPOKES_PER_HUB) -> dict[str, float]:
    rng = random.Random(scale)
    start = time.perf_counter()
    topo = build(scale, spokes)
    built_s = time.perf_counter() - start
    refs = [s.ref for v in topo.vnets for s in v.subnets]
    sample = rng.sample(refs, 100)
    hub_refs = [f"vnet0/{n}" for n in ("snet-5", "GatewaySubnet", "AzureFirewallSubnet")]
    samples, builds, firsts = time_routes(topo, sample, reps)
    hub_samples, _, _ = time_routes(topo, hub_refs, reps)
    paths = time_paths(topo, 10_000, reps, random.Random(scale))
    gc.freeze()  # what a long-lived process does after loading: the topology leaves GC scans
    frozen = time_paths(topo, 10_000, reps, random.Random(scale))
    gc.unfreeze()
    ordered = sorted(samples)
    return {
        "scale": scale,
        "vnets": len(topo.vnets),
        "subnets": len(refs),
        "pes": len(topo.private_endpoints),
        "rts": len(topo.route_tables),
        "build_s": built_s,
        "index_ms": statistics.median(builds),
        "first_ms": statistics.median(firsts),
        "median_ms": statistics.median(samples),
        "p95_ms": ordered[int(len(ordered) * 0.95)],
        "max_ms": ordered[-1],
        "total_100_ms": sum(samples) / reps,
        "hub_median_ms": statistics.median(hub_samples),
        "hub_routes": len(routes_of(RoutingIndex(topo, RoutingOptions()), "vnet0/snet-5")),
        "paths_s": statistics.median(paths),
        "frozen_s": statistics.median(frozen),
        "reps": reps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,4,16")
    parser.add_argument("--reps", default="5,3,1")
    parser.add_argument(
        "--spokes-per-hub",
        type=int,
        default=SPOKES_PER_HUB,
        help="VNets peered to each hub (Azure's limit is 500 peerings per VNet without AVNM)",
    )
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)  # scale, reps
    args = parser.parse_args()
    if args.child:  # one scale, in this fresh process: print its figures as JSON
        print(json.dumps(run(args.child[0], args.child[1], args.spokes_per_hub)))
        return
    scales = [int(s) for s in args.scales.split(",")]
    reps = [int(r) for r in args.reps.split(",")]
    print(f"# spokes per hub: {args.spokes_per_hub}")
    print(
        f"# {platform.python_implementation()} {platform.python_version()} on "
        f"{platform.machine()} ({platform.processor() or 'cpu'})"
    )
    print(
        "| size | VNets | subnets | PEs | RTs | index build | first answer | routes/subnet "
        "median | p95 | max | 100 subnets | hub subnet (routes) | 10k paths | same, gc.freeze() "
        "| reps |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scale, rep in zip(scales, (reps + [1] * len(scales))[: len(scales)], strict=True):
        r = _in_fresh_process(scale, rep, args.spokes_per_hub)
        print(
            f"| {scale}x | {r['vnets']} | {r['subnets']} | {r['pes']} | {r['rts']} | "
            f"{r['index_ms']:.0f} ms | {r['first_ms']:.0f} ms | {r['median_ms']:.2f} ms | "
            f"{r['p95_ms']:.2f} ms | "
            f"{r['max_ms']:.2f} ms | {r['total_100_ms']:.0f} ms | {r['hub_median_ms']:.1f} ms "
            f"({r['hub_routes']:.0f}) | {r['paths_s']:.2f} s | {r['frozen_s']:.2f} s | "
            f"{r['reps']} |",
            flush=True,
        )


def _in_fresh_process(scale: int, reps: int, spokes: int) -> dict[str, float]:
    """``run`` in a new interpreter: nothing an earlier scale imported or warmed is reused."""
    command = [sys.executable, __file__, "--child", str(scale), str(reps)]
    out = subprocess.run(
        [*command, "--spokes-per-hub", str(spokes)], check=True, capture_output=True, text=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
