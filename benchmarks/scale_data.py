"""Generate canonical netlogs tables as Parquet at a scale factor (vectorized numpy/polars).

1x = 1M Key Vault requests, 10M firewall records, 5M flow records over one day, for the
hub-and-spoke estate of the sample scenario (vault kv1, PE 10.1.2.4, fw-hub with
frontend 10.0.0.68 and SNAT instances 10.0.0.69/70).

Mix (by client):  ~70% spoke VMs reaching the PE through fw-hub network rules (keep-alive: one
connection record, then several requests in the next 0-9 minutes); a small pool of AKS-like
clients behind application rules (the vault sees SNAT addresses); ~10% bypassing clients (no
firewall record); service-endpoint and public callers; clients denied by the firewall; SYN
retries; Authentication 401 challenges and a few RBAC 403s; and noise: firewall records and flows
to other destinations (about 70% of each table).

    python benchmarks/scale_data.py --scale 0.1 --out /tmp/netlogs-scale-0.1
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl

from netlogs.normalize.canonical_io import summarize_canonical, summary_metadata
from netlogs.schemas import FLOWS, FW_EVENTS, KV_REQUESTS, conform

START = datetime(2026, 11, 20, tzinfo=timezone.utc)
DAY_US = 24 * 3600 * 1_000_000
MINUTE_US = 60 * 1_000_000
PE_IP = "10.1.2.4"
FQDN = "kv1.vault.azure.net"
SNAT_IPS = np.array(["10.0.0.69", "10.0.0.70"])


def _ips(prefix: str, ids: np.ndarray) -> pl.Series:
    """'<prefix>x.y' strings for integer ids (vectorized through polars string ops)."""
    ids_s = pl.Series("id", ids.astype(np.int64))
    third = (ids_s // 250 % 250).cast(pl.String)
    fourth = (ids_s % 250 + 4).cast(pl.String)
    return (prefix + third + "." + fourth).alias("ip")


def _nullable(values: np.ndarray) -> pl.Series:
    """A string column where '' means null (numpy has no null strings)."""
    series = pl.Series(values.astype(str))
    return series.set(series == "", None)  # type: ignore[arg-type]


def _times(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, DAY_US, n)


def _ts(offsets_us: np.ndarray) -> pl.Series:
    """Microsecond offsets from START as UTC timestamps."""
    start_us = int(START.timestamp() * 1_000_000)
    return pl.Series("time", offsets_us.astype(np.int64) + start_us).cast(pl.Datetime("us", "UTC"))


def firewall_and_requests(
    rng: np.random.Generator, scale: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    n_kv = int(1_000_000 * scale)
    n_fw = int(10_000_000 * scale)
    clients = max(200, int(20_000 * scale))
    # network-rule connections: requests hang off them (keep-alive)
    n_conn = int(n_fw * 0.24)
    conn_client = rng.integers(0, int(clients * 0.7), n_conn)
    conn_time = _times(rng, n_conn)
    n_net_req = int(n_kv * 0.62)
    pick = rng.integers(0, n_conn, n_net_req)
    net_req_time = np.minimum(
        conn_time[pick] + rng.integers(0, 9 * MINUTE_US, n_net_req), DAY_US - 1
    )
    # application-rule (SNAT) clients: a pool of 40 AKS-like nodes
    n_app = int(n_fw * 0.006)
    app_client = rng.integers(0, 40, n_app) + clients
    app_time = _times(rng, n_app)
    n_snat_req = int(n_kv * 0.15)
    app_pick = rng.integers(0, n_app, n_snat_req)
    snat_req_time = np.minimum(
        app_time[app_pick] + rng.integers(0, 9 * MINUTE_US, n_snat_req), DAY_US - 1
    )
    # bypass, service endpoint, public, network-denied requests
    n_bypass, n_se, n_pub = int(n_kv * 0.1), int(n_kv * 0.05), int(n_kv * 0.03)
    n_denied = n_kv - n_net_req - n_snat_req - n_bypass - n_se - n_pub
    kv = _kv_frame(
        rng,
        [
            ("net", _ips("10.2.", conn_client[pick]), net_req_time),
            ("snat", pl.Series(SNAT_IPS[rng.integers(0, 2, n_snat_req)]), snat_req_time),
            (
                "bypass",
                _ips("10.5.", rng.integers(0, int(clients * 0.1) + 1, n_bypass)),
                _times(rng, n_bypass),
            ),
            (
                "se",
                _ips("10.6.", rng.integers(0, int(clients * 0.05) + 1, n_se)),
                _times(rng, n_se),
            ),
            ("public", _ips("20.30.", rng.integers(0, 500, n_pub)), _times(rng, n_pub)),
            ("denied", _ips("20.40.", rng.integers(0, 200, n_denied)), _times(rng, n_denied)),
        ],
    )
    fw = _fw_frame(rng, n_fw, clients, (conn_client, conn_time), (app_client, app_time))
    return kv, fw


def _kv_frame(
    rng: np.random.Generator, parts: list[tuple[str, pl.Series, np.ndarray]]
) -> pl.DataFrame:
    frames = []
    for kind, callers, times in parts:
        n = len(times)
        status = np.where(rng.random(n) < 0.1, 401, np.where(rng.random(n) < 0.01, 403, 200))
        op = np.where(
            status == 401,
            "Authentication",
            np.array(["SecretGet", "SecretList", "KeyGet"])[rng.integers(0, 3, n)],
        )
        error = np.where(status == 403, "ForbiddenByRbac", "")
        if kind == "denied":
            status, error = np.full(n, 403), np.full(n, "ForbiddenByConnection")
        frame = pl.DataFrame(
            {
                "time": _ts(times),
                "caller_ip": callers,
                "operation": op,
                "http_status": status,
                "error_code": _nullable(error),
                "private_endpoint_id": "/pe/pe-kv" if kind in ("net", "snat", "bypass") else None,
                "subnet_id": "/subnets/snet-app" if kind == "se" else None,
            }
        )
        frames.append(frame)
    kv = pl.concat(frames, how="diagonal_relaxed").sort("time")
    return conform(
        kv.with_columns(
            pl.lit("kv1").alias("vault"),
            pl.lit("AZKVAuditLogs").alias("source_table"),
            pl.concat_str(pl.lit("kv:"), pl.int_range(pl.len()).cast(pl.String)).alias("row_id"),
            pl.lit(12, dtype=pl.Int64).alias("duration_ms"),
        ),
        KV_REQUESTS,
    )


def _fw_frame(
    rng: np.random.Generator,
    n_fw: int,
    clients: int,
    conns: tuple[np.ndarray, np.ndarray],
    apps: tuple[np.ndarray, np.ndarray],
) -> pl.DataFrame:
    conn_client, conn_time = conns
    app_client, app_time = apps
    n_retry = int(len(conn_time) * 0.05)
    retry = rng.integers(0, len(conn_time), n_retry)
    n_deny = int(n_fw * 0.01)
    n_noise = n_fw - len(conn_time) - n_retry - len(app_time) - n_deny
    src_ids = np.concatenate(
        [
            conn_client,
            conn_client[retry],
            app_client,
            rng.integers(int(clients * 0.9), clients, n_deny),
            rng.integers(0, clients, n_noise),
        ]
    )
    times = np.concatenate(
        [
            conn_time,
            np.minimum(conn_time[retry] + 3_000_000, DAY_US - 1),
            app_time,
            _times(rng, n_deny),
            _times(rng, n_noise),
        ]
    )
    kind = np.repeat(
        ["network", "network", "application", "network", "network"],
        [len(conn_time), n_retry, len(app_time), n_deny, n_noise],
    )
    is_app = kind == "application"
    is_noise = np.arange(len(times)) >= len(times) - n_noise
    noise_dst = np.array(["52.239.184.180", "10.3.0.10", "10.1.2.5", "13.107.42.14"])[
        rng.integers(0, 4, n_fw)
    ]
    dst_ip = np.where(is_app, "", np.where(is_noise, noise_dst, PE_IP))
    is_deny = (np.arange(len(times)) >= len(times) - n_noise - n_deny) & ~is_noise
    ports = np.concatenate([rng.integers(1024, 65535, len(conn_time)), np.zeros(0, dtype=np.int64)])
    src_port = np.concatenate(
        [ports, ports[retry], rng.integers(1024, 65535, n_fw - len(conn_time) - n_retry)]
    )
    fw = pl.DataFrame(
        {
            "time": _ts(times),
            "firewall": "fw-hub",
            "kind": kind,
            "src_ip": _ips("10.2.", src_ids),
            "src_port": src_port.astype(np.int32),
            "dst_ip": _nullable(dst_ip),
            "dst_port": 443,
            "fqdn": _nullable(np.where(is_app, FQDN, "")),
            "protocol": "TCP",
            "action": np.where(is_deny, "Deny", "Allow"),
            "rule": _nullable(np.where(is_deny, "", np.where(is_app, "allow-kv-fqdn", "allow-kv"))),
            "source_table": np.where(is_app, "AZFWApplicationRule", "AZFWNetworkRule"),
        }
    ).sort("time")
    return conform(
        fw.with_columns(
            pl.concat_str(pl.lit("fw:"), pl.int_range(pl.len()).cast(pl.String)).alias("row_id")
        ),
        FW_EVENTS,
    )


def flow_records(rng: np.random.Generator, scale: float, fw: pl.DataFrame) -> pl.DataFrame:
    n = int(5_000_000 * scale)
    to_pe = fw.filter(pl.col("dst_ip") == PE_IP).head(int(n * 0.3))
    n_noise = n - to_pe.height
    clients = max(200, int(20_000 * scale))
    noise = pl.DataFrame(
        {
            "time_start": _ts(_times(rng, n_noise)),
            "src_ip": _ips("10.2.", rng.integers(0, clients, n_noise)),
            "dst_ip": np.array(["52.239.184.180", "10.3.0.10", "168.63.129.16"])[
                rng.integers(0, 3, n_noise)
            ],
            "src_port": rng.integers(1024, 65535, n_noise).astype(np.int32),
            "decision": np.where(rng.random(n_noise) < 0.02, "denied", "allowed"),
        }
    )
    pe = to_pe.select(
        pl.col("time").alias("time_start"),
        "src_ip",
        "dst_ip",
        "src_port",
        pl.when(pl.col("action") == "Deny")
        .then(pl.lit("denied"))
        .otherwise(pl.lit("allowed"))
        .alias("decision"),
    )
    flows = pl.concat([pe, noise], how="diagonal_relaxed").sort("time_start")
    return conform(
        flows.with_columns(
            pl.col("time_start").alias("time_end"),
            pl.lit(443).alias("dst_port"),
            pl.lit("T").alias("protocol"),
            pl.lit("O").alias("direction"),
            pl.lit("B").alias("flow_state"),
            pl.lit("vnet_v4").alias("flow_log_kind"),
            pl.lit("raw:vnet_flow").alias("source_table"),
            pl.concat_str(pl.lit("flow:"), pl.int_range(pl.len()).cast(pl.String)).alias("row_id"),
        ),
        FLOWS,
    )


def _write_day(scale: float, out: Path, day: int, seed: int) -> None:
    """One day of data (its own seed) as part files, times and row ids shifted by ``day``."""
    rng = np.random.default_rng(seed + day)
    kv, fw = firewall_and_requests(rng, scale)
    flows = flow_records(rng, scale, fw)
    shift = timedelta(days=day)
    prefix = pl.lit(f"d{day}:")
    for name, frame, time_columns in (
        ("kv_requests", kv, ["time"]),
        ("fw_events", fw, ["time"]),
        ("flows", flows, ["time_start", "time_end"]),
    ):
        shifted = frame.with_columns(
            [pl.col(c) + shift for c in time_columns] + [pl.concat_str(prefix, pl.col("row_id"))]
        )
        shifted.write_parquet(out / f"{name}.part{day}.parquet")


def generate(scale: float, out: Path, seed: int = 7) -> dict[str, int]:
    """Write kv_requests/fw_events/flows Parquet under ``out``; returns row counts.

    Up to 1x is one day; larger scales add days of 1x-sized data (the same estate watched for
    longer), generated one day at a time and streamed together so memory stays bounded.
    """
    out.mkdir(parents=True, exist_ok=True)
    days = max(1, math.ceil(scale))
    for day in range(days):
        _write_day(scale / days, out, day, seed)
    counts = {}
    for name in ("kv_requests", "fw_events", "flows"):
        parts = [out / f"{name}.part{day}.parquet" for day in range(days)]
        # with the footer summary netlogs' own writer (write_canonical) puts in every file
        footer = summary_metadata(summarize_canonical(pl.scan_parquet(parts), name))
        pl.scan_parquet(parts).sink_parquet(out / f"{name}.parquet", metadata=footer)
        for part in parts:
            part.unlink()
        counts[name] = pl.scan_parquet(out / f"{name}.parquet").select(pl.len()).collect().item()
    (out / "meta.json").write_text(json.dumps({"start": START.isoformat(), "days": days, **counts}))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(generate(args.scale, args.out))


if __name__ == "__main__":
    main()
