"""Parse benchmark: legacy firewall ``msg_s`` rows and portal-CSV ``AZFWNetworkRule`` rows.

Generates two portal-CSV exports (``TimeGenerated [UTC]`` with the portal's US time format):

1. ``AzureDiagnostics`` rows whose ``msg_s`` cycles through the legacy text variants
   (network, ICMP without ports, double period, policy suffix, IDPS lower-case action,
   ThreatIntel, DNAT, application rule with two spaces after HTTP, SNI missing, default deny);
2. ``AZFWNetworkRule`` rows in the portal's column order.

For each it times plain ``polars.read_csv`` of the same columns netlogs reads (the anchor:
netlogs never materialises tenant, billing or ``ResourceId`` columns, so neither does it) and
the full netlogs path
(``FileSource.collect`` + ``normalize_evidence``: detection, time zones, regex parsing, typing,
row ids) in the same run, best of ``--repeat``, and prints a Markdown table.

    .venv/bin/python benchmarks/parse_bench.py --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from netlogs.model import EvidenceQuery
from netlogs.normalize import normalize_evidence
from netlogs.sources.files import FileSource
from netlogs.sources.files.csv_reader import evidence_columns
from netlogs.sources.files.formats import ReadOptions, read_evidence_path

FW_ID = (
    "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG-HUB/PROVIDERS/"
    "MICROSOFT.NETWORK/AZUREFIREWALLS/FW-HUB"
)
NET, APP, NAT = (
    "AzureFirewallNetworkRuleLog",
    "AzureFirewallApplicationRuleLog",
    "AzureFirewallNatRuleLog",
)
# (operationName, template); {s} = source IP, {p} = source port, {d} = destination IP.
VARIANTS = [
    (
        NET,
        "TCP request from {s}:{p} to {d}:443. Action: Allow. Policy: pol-hub. Rule Collection "
        "Group: DefaultNetworkRuleCollectionGroup. Rule Collection: kv. Rule: allow-kv-pe",
    ),
    (NET, "UDP request from {s}:{p} to {d}:53. Action: Allow. "),
    (NET, "ICMP Type=8 request from {s} to {d}. Action: Deny. "),
    (
        NET,
        "TCP request from {s}:{p} to {d}:3389. Action: Allow.. Rule Collection: Permit_RFC1918."
        " Rule: Permit_RFC1918",
    ),
    (
        NET,
        "TCP request from {s}:{p} to {d}:443. Action: drop. Signature: 2028816. IDS: JA3 Hash -"
        " [Abuse.ch] Possible Tofsee. Priority: 3. Classification: Unknown Traffic",
    ),
    (
        NET,
        "HTTP request from {s}:{p} to bad.example.com:80. Url: bad.example.com. Action: Deny. "
        "ThreatIntel: Bot Networks",
    ),
    (
        NAT,
        "TCP request from {s}:{p} to {d}:3389 was DNAT'ed to 10.0.2.4:3389. Rule Collection: "
        "DNAT. Rule: rdp",
    ),
    (
        APP,
        "HTTPS request from {s}:{p} to kv-prod.vault.azure.net:443. Action: Allow. Rule "
        "Collection: app. Rule: allow-kv. Web Category: ComputersAndTechnology",
    ),
    (
        APP,
        "HTTP  request from {s}:{p} to ocsp.msocsp.com:80. Url: ocsp.msocsp.com/MFQ=. Action: "
        "Allow. Policy: pol. Rule Collection Group: g. Rule Collection: c. Rule: Azure, HTTP",
    ),
    (APP, "HTTPS request from {s}:{p}. Action: Deny. Reason: SNI TLS extension was missing."),
    (
        APP,
        "HTTPS request from {s}:{p} to x.blob.core.windows.net:443. Action: Deny. No rule "
        "matched. Proceeding with default action",
    ),
]


def _ip(prefix: str, n: pl.Expr) -> pl.Expr:
    return pl.lit(prefix) + (n // 250 % 250).cast(pl.String) + "." + (n % 250 + 1).cast(pl.String)


def _portal_time(n: pl.Expr) -> pl.Expr:
    moment = pl.lit(1_700_000_000_000) + n * 37  # ms, 37 ms apart
    stamp = pl.from_epoch(moment, time_unit="ms")
    return stamp.dt.strftime("%-m/%-d/%Y, %-I:%M:%S%.3f %p")


def _msg_frame(rows: int) -> pl.DataFrame:
    n = pl.int_range(rows, dtype=pl.Int64)
    variant = n % len(VARIANTS)
    src, port, dst = _ip("10.2.", n), (n % 50000 + 1024).cast(pl.String), _ip("10.1.", n // 7)
    msg = pl.lit(None, pl.String)
    operation = pl.lit(None, pl.String)
    for index, (op, template) in enumerate(VARIANTS):
        head, rest = template.split("{s}", 1)
        pieces: list[pl.Expr] = [pl.lit(head), src]
        for chunk in rest.replace("{p}", "\0{p}\0").replace("{d}", "\0{d}\0").split("\0"):
            pieces.append({"{p}": port, "{d}": dst}.get(chunk, pl.lit(chunk)))
        msg = pl.when(variant == index).then(pl.concat_str(pieces)).otherwise(msg)
        operation = pl.when(variant == index).then(pl.lit(op)).otherwise(operation)
    category = pl.when(operation == APP).then(pl.lit("AzureFirewallApplicationRule"))
    return pl.select(
        pl.lit("00000000-0000-0000-0000-000000000000").alias("TenantId"),
        _portal_time(n).alias("TimeGenerated [UTC]"),
        category.otherwise(pl.lit("AzureFirewallNetworkRule")).alias("Category"),
        operation.alias("OperationName"),
        pl.lit("FW-HUB").alias("Resource"),
        pl.lit(FW_ID).alias("ResourceId"),
        msg.alias("msg_s"),
        pl.lit("AzureDiagnostics").alias("Type"),
    )


def _network_rule_frame(rows: int) -> pl.DataFrame:
    n = pl.int_range(rows, dtype=pl.Int64)
    return pl.select(
        pl.lit("00000000-0000-0000-0000-000000000000").alias("TenantId"),
        _portal_time(n).alias("TimeGenerated [UTC]"),
        pl.when(n % 5 == 0).then(pl.lit("UDP")).otherwise(pl.lit("TCP")).alias("Protocol"),
        _ip("10.2.", n).alias("SourceIp"),
        (n % 50000 + 1024).alias("SourcePort"),
        _ip("10.1.", n // 7).alias("DestinationIp"),
        pl.when(n % 3 == 0).then(443).otherwise(1433).alias("DestinationPort"),
        pl.when(n % 11 == 0).then(pl.lit("Deny")).otherwise(pl.lit("Allow")).alias("Action"),
        pl.lit("pol-hub").alias("Policy"),
        pl.lit("DefaultNetworkRuleCollectionGroup").alias("RuleCollectionGroup"),
        pl.lit("kv").alias("RuleCollection"),
        pl.when(n % 11 == 0).then(pl.lit(None)).otherwise(pl.lit("allow-kv-pe")).alias("Rule"),
        pl.when(n % 11 == 0).then(pl.lit("Default Action")).otherwise(None).alias("ActionReason"),
        pl.lit(None, pl.String).alias("SourceSystem"),
        pl.lit("AZFWNetworkRule").alias("Type"),
        pl.lit(FW_ID.lower()).alias("_ResourceId"),
    )


def _timed(run: Callable[[], int]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process incl. polars threads, rows)."""
    wall, cpu = time.perf_counter(), time.process_time()
    rows = run()
    return time.perf_counter() - wall, time.process_time() - cpu, rows


def _stages(path: Path, repeat: int) -> tuple[float, float]:
    """Best CPU seconds of (read: detect + typed CSV + time columns, normalize) for one file."""
    read_cpu, normalize_cpu = [], []
    for _ in range(repeat):
        started = time.process_time()
        read = read_evidence_path(path, path.name, ReadOptions(None, False))
        middle = time.process_time()
        normalize_evidence(read.tables)
        read_cpu.append(middle - started)
        normalize_cpu.append(time.process_time() - middle)
    return min(read_cpu), min(normalize_cpu)


def _parse_only(path: Path) -> Callable[[], int]:
    """Recognise, read and parse the file, normalize: no directory walk, no hash."""

    def run() -> int:
        read = read_evidence_path(path, path.name, ReadOptions(None, False))
        tables = normalize_evidence(read.tables)
        if tables.issues:
            raise SystemExit(f"unexpected parse issues: {tables.issues[:3]}")
        return tables.fw_events.height

    return run


def _file_source(directory: Path) -> Callable[[], int]:
    """What ``netlogs trace --logs DIR`` does: walk, read, hash (a thread), parse, normalize."""
    query = EvidenceQuery("kv-prod", "kv-prod.vault.azure.net", (), (), None)

    def run() -> int:
        collected = FileSource(directory).collect(query)
        return normalize_evidence(collected.raw_tables, collected.parse_issues).fw_events.height

    return run


def _bench(name: str, frame: pl.DataFrame, workdir: Path, repeat: int) -> dict[str, float]:
    """read_csv, netlogs parse and netlogs FileSource, interleaved so all see the same load."""
    directory = workdir / name.split(maxsplit=1)[0]
    directory.mkdir()
    path = directory / "export.csv"
    frame.write_csv(path)
    runs: dict[str, list[tuple[float, float, int]]] = {"plain": [], "parse": [], "source": []}
    columns = evidence_columns(path)[0]  # the anchor reads what netlogs reads, no more
    for _ in range(repeat):
        runs["plain"].append(_timed(lambda: pl.read_csv(path, columns=columns).height))
        runs["parse"].append(_timed(_parse_only(path)))
        runs["source"].append(_timed(_file_source(directory)))
        if {runs["parse"][-1][2], runs["source"][-1][2]} != {frame.height}:
            raise SystemExit(f"{name}: canonical row count differs from {frame.height}")
    result = {"rows": float(frame.height), "mb": path.stat().st_size / 1e6}
    result["read_stage_cpu"], result["normalize_stage_cpu"] = _stages(path, repeat)
    for key in ("plain", "parse", "source"):
        result[f"{key}_wall"] = min(run[0] for run in runs[key])
        result[f"{key}_cpu"] = min(run[1] for run in runs[key])
    for key in ("parse", "source"):
        for clock, suffix in ((0, "ratio"), (1, "cpu_ratio")):
            ratios = sorted(
                n[clock] / p[clock] for p, n in zip(runs["plain"], runs[key], strict=True)
            )
            result[f"{key}_{suffix}"] = ratios[len(ratios) // 2]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    inputs = {
        "msg_s (AzureDiagnostics portal CSV)": _msg_frame,
        "AZFWNetworkRule (portal CSV)": _network_rule_frame,
    }
    with tempfile.TemporaryDirectory(prefix="netlogs-parse-bench-") as tmp:
        results = {
            name: _bench(name, build(args.rows), Path(tmp), args.repeat)
            for name, build in inputs.items()
        }
    _print_results(results, args.repeat)


def _print_results(results: dict[str, dict[str, float]], repeat: int) -> None:
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} after the run, python {platform.python_version()}, "
        f"polars {pl.__version__}"
    )
    print(
        f"{repeat} interleaved runs each; read_csv reads the columns netlogs reads; s = best "
        "run; ratios = median of the per-run ratios (wall, and CPU = process time incl. "
        "polars threads)\n"
    )
    print(
        "| input | rows | MB | read_csv s | parse s | parse rows/s | parse/read_csv wall "
        "| CPU | FileSource s | FileSource/read_csv wall | CPU |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {int(r['rows']):,} | {r['mb']:.0f} | {r['plain_wall']:.2f} "
            f"| {r['parse_wall']:.2f} | {r['rows'] / r['parse_wall']:,.0f} "
            f"| {r['parse_ratio']:.2f}x | {r['parse_cpu_ratio']:.2f}x "
            f"| {r['source_wall']:.2f} | {r['source_ratio']:.2f}x | {r['source_cpu_ratio']:.2f}x |"
        )
    print(
        "\nCPU seconds per stage (best run): read = detect + typed CSV + time columns; "
        "normalize = row ids, parsing, typing, conform\n"
    )
    print("| input | read_csv CPU | netlogs read CPU | netlogs normalize CPU |")
    print("|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['plain_cpu']:.2f} | {r['read_stage_cpu']:.2f} "
            f"| {r['normalize_stage_cpu']:.2f} |"
        )


if __name__ == "__main__":
    main()
