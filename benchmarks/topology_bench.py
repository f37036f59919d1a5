"""Loading and validating a topology with many subnets in one VNet (overlap checks must scale).

One VNet 10.0.0.0/8 holding N /28 subnets (in file order from the top of the range down, so
the order is not already sorted), each with a client VM at .4; one private endpoint per 100
subnets. Timed: ``topology_from_mapping`` (field parsing plus every cross-resource check) and,
separately, ``validate_topology`` on the loaded model; the fastest of ``--reps`` runs.

Usage:  .venv/bin/python benchmarks/topology_bench.py [--sizes 1000,10000] [--reps 3]
"""

from __future__ import annotations

import argparse
import ipaddress
import time
from typing import Any

from netlogs.topology.loader import topology_from_mapping
from netlogs.topology.validate import validate_topology


def mapping(subnets: int) -> dict[str, Any]:
    base = int(ipaddress.ip_address("10.0.0.0"))
    nets, clients, endpoints = [], [], []
    for i in range(subnets):
        start = base + (subnets - 1 - i) * 16
        nets.append({"name": f"s{i}", "addressPrefix": f"{ipaddress.ip_address(start)}/28"})
        clients.append({"name": f"vm{i}", "subnet": f"big/s{i}",
                        "ipAddresses": [str(ipaddress.ip_address(start + 4))]})
        if i % 100 == 0:
            endpoints.append({"name": f"pe{i}", "subnet": f"big/s{i}",
                              "privateIpAddress": str(ipaddress.ip_address(start + 5)),
                              "target": "kv"})
    return {
        "virtualNetworks": [{"name": "big", "addressPrefixes": ["10.0.0.0/8"], "subnets": nets}],
        "privateEndpoints": endpoints,
        "keyVaults": [{"name": "kv"}],
        "clients": clients,
    }


def timed(function: Any, reps: int) -> float:
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return min(samples)  # the least disturbed run: the machine is shared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        data = mapping(size)
        topology = topology_from_mapping(data, source="bench")
        load = timed(lambda d=data: topology_from_mapping(d, source="bench"), args.reps)
        check = timed(lambda t=topology: validate_topology(t), args.reps)
        rows.append((size, load, check))
    print("| subnets | load + validate | validate only | ratio to first row (load) |")
    print("|---|---|---|---|")
    for size, load, check in rows:
        print(f"| {size:,} | {load * 1000:.0f} ms | {check * 1000:.0f} ms | "
              f"{load / rows[0][1]:.1f}x |")


if __name__ == "__main__":
    main()
