"""Benchmark: ``netlogs trace`` from canonical Parquet to TraceResult, next to bare as-of joins.

Each contender runs in its own child process (so peak RSS is its own), on the same Parquet:

- ``netlogs``       the real pipeline, ``netlogs.pipeline.trace.trace()`` as ``netlogs trace
                    --vault kv1 --logs DIR --json`` runs it (output files aside): FileSource reads
                    the canonical Parquet with the evidence query's filters pushed into the scan,
                    then normalize, window, correlate, the model's expected path of every client,
                    verdicts, TraceResult
- ``netlogs-html``  the same plus the HTML report's timeline rows, as ``netlogs trace --html``
- ``netlogs-core``  the correlation core alone: the columns it reads, pre-filtered like the
                    evidence query, then ``correlate_evidence`` + ``judge_flows`` with no model
                    (no expected paths): what the engine itself costs
- ``polars-asof``   bare ``join_asof`` of vault requests to firewall records (caller = source IP,
                    backward, 10 min tolerance): the core of the coverage match, nothing else
- ``duckdb-asof``   DuckDB ``ASOF LEFT JOIN`` of the same (one join)
- ``duckdb-asof2``  DuckDB, two ASOF joins (requests -> firewall records, requests -> flows)
- ``*-filtered``    the same anchors given the SAME filters netlogs applies (the vault's requests
                    in the window, firewall records to the private endpoint or the vault's names
                    from the reuse lead on, flows to the private endpoint): the fair comparison
- ``floor``         polars: read the needed columns with those filters, sort once, both as-of
                    joins on the same rows: what any implementation must at least do

    python benchmarks/scale_data.py --scale 0.1 --out /tmp/nl-0.1
    python benchmarks/trace_bench.py --data /tmp/nl-0.1

``--baseline DIR`` adds ``netlogs-baseline``: the ``netlogs`` contender with an older ``netlogs``
package (``git archive <rev> netlogs | tar -x -C DIR``), interleaved with the others for a fair
before/after comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_machine import describe
from scale_estate import START, evidence_dir, scale_days, scale_request, scale_topology

CONTENDERS = (
    "netlogs",
    "netlogs-html",
    "netlogs-core",
    "polars-asof",
    "duckdb-asof",
    "duckdb-asof2",
    "polars-asof-filtered",
    "duckdb-asof2-filtered",
    "floor",
)


def _context(data: Path, *, timeline: bool = False) -> object:
    """What ``trace`` builds for the scale estate (for ``netlogs-core``, which skips the model)."""
    from netlogs.correlate import TIMELINE_PER_KIND, CorrelationContext, FirewallAddresses
    from netlogs.model import LogFamily, SourceStatus, TimeWindow
    from netlogs.topology.model import KeyVault

    return CorrelationContext(
        vault=KeyVault(name="kv1", public_network_access="Enabled"),
        private_endpoint_ips=("10.1.2.4",),
        firewalls=(FirewallAddresses("fw-hub", ("10.0.0.68",), ("10.0.0.64/26",)),),
        required_firewall="fw-hub",
        window=TimeWindow(START, START + timedelta(days=scale_days(data))),
        now=START + timedelta(days=scale_days(data) + 1),
        source_status={family: SourceStatus.COMPLETE for family in LogFamily},
        timeline_per_kind=TIMELINE_PER_KIND if timeline else 0,
    )


def _read_filtered(data: Path, name: str) -> object:
    """The rows the evidence query keeps (normalize.evidence_predicates, as a scan filter)."""
    from netlogs.correlate import COLUMNS_USED

    return _scan_filtered(data, name, list(COLUMNS_USED[name])).collect()


def _scan_filtered(data: Path, name: str, columns: list[str]) -> Any:
    """The evidence query's filters on one canonical table, as a lazy scan of ``columns``."""
    import polars as pl

    start, end = START, START + timedelta(days=scale_days(data))
    frame = pl.scan_parquet(data / f"{name}.parquet")
    if name == "kv_requests":
        keep = pl.col("time").is_between(start, end) & (pl.col("vault") == "kv1")
    elif name == "fw_events":
        names = ["kv1.vault.azure.net", "kv1.privatelink.vaultcore.azure.net"]
        to_vault = (pl.col("dst_ip") == "10.1.2.4") | pl.col("fqdn").is_in(names)
        keep = pl.col("time").is_between(start - timedelta(minutes=11), end) & to_vault
    else:
        keep = (pl.col("time_start") <= end) & (pl.col("dst_ip") == "10.1.2.4")
    return frame.filter(keep.fill_null(False)).select(columns)


# The same predicates in SQL, for the DuckDB anchors given netlogs' filters.
def _sql_filters(data: Path) -> dict[str, str]:
    start = START.strftime("%Y-%m-%d %H:%M:%S+00")
    end = (START + timedelta(days=scale_days(data))).strftime("%Y-%m-%d %H:%M:%S+00")
    lead = (START - timedelta(minutes=11)).strftime("%Y-%m-%d %H:%M:%S+00")
    names = "('kv1.vault.azure.net', 'kv1.privatelink.vaultcore.azure.net')"
    return {
        "kv": f"WHERE time BETWEEN '{start}' AND '{end}' AND vault = 'kv1'",
        "fw": f"WHERE time BETWEEN '{lead}' AND '{end}'"
        f" AND (dst_ip = '10.1.2.4' OR fqdn IN {names})",
        "fl": f"WHERE time_start <= '{end}' AND dst_ip = '10.1.2.4'",
    }


def run_floor(data: Path) -> dict[str, float]:
    """Read the needed columns with netlogs' filters, sort once, both as-of joins."""
    import polars as pl

    t0 = time.perf_counter()
    kv, fw, fl = pl.collect_all(
        [
            _scan_filtered(data, "kv_requests", ["time", "caller_ip"]).sort("time"),
            _scan_filtered(data, "fw_events", ["time", "src_ip", "row_id"]).sort("time"),
            _scan_filtered(data, "flows", ["time_start", "src_ip"]).sort("time_start"),
        ]
    )
    joined = kv.join_asof(
        fw.rename({"time": "fw_time"}),
        left_on="time",
        right_on="fw_time",
        by_left="caller_ip",
        by_right="src_ip",
        strategy="backward",
        tolerance=timedelta(minutes=10),
        check_sortedness=False,
    ).join_asof(
        fl.rename({"src_ip": "flow_src"}),
        left_on="time",
        right_on="time_start",
        by_left="caller_ip",
        by_right="flow_src",
        strategy="backward",
        check_sortedness=False,
    )
    matched = joined.get_column("row_id").is_not_null().sum()
    return {"seconds": time.perf_counter() - t0, "matched": int(matched)}


def _verdicts(flows: object) -> dict[str, int]:
    counts: dict[str, int] = {}
    for flow in flows:  # type: ignore[attr-defined]
        counts[flow.verdict.value] = counts.get(flow.verdict.value, 0) + 1
    return dict(sorted(counts.items()))


def _timed_stages(stages: dict[str, float]) -> None:
    """Wrap the pipeline's steps (module globals of netlogs.pipeline.trace) to time each one."""
    import netlogs.pipeline.trace as pipeline

    groups = {
        "normalize_evidence": "read",  # reading happens inside source.collect (timed below)
        "account_evidence": "read",  # the row ledger: the query's one filter, with its counts
        "correlate_evidence": "correlate",
        "expected_paths_to_vault": "model",
        "judge_flows": "judge",
        "_result": "result",
    }
    for name, stage in groups.items():
        original = getattr(pipeline, name, None)
        if original is None:  # a step this version of the pipeline does not have
            continue

        def timed(*args: object, _f: object = original, _s: str = stage, **kw: object) -> object:
            started = time.perf_counter()
            try:
                return _f(*args, **kw)  # type: ignore[operator]
            finally:
                stages[_s] = stages.get(_s, 0.0) + time.perf_counter() - started

        setattr(pipeline, name, timed)


def run_netlogs(data: Path, mode: str) -> dict[str, object]:
    """``trace()`` over the scale data, as ``netlogs trace --json`` (``--html`` with a timeline)."""
    from netlogs.pipeline.trace import trace
    from netlogs.sources.files import FileSource

    stages: dict[str, float] = {}
    _timed_stages(stages)
    with evidence_dir(data) as logs:
        t0 = time.perf_counter()
        source = FileSource(logs, prefilter=True)
        collect = source.collect

        def timed_collect(query: object) -> object:
            started = time.perf_counter()
            try:
                return collect(query)  # type: ignore[arg-type]
            finally:
                stages["read"] = stages.get("read", 0.0) + time.perf_counter() - started

        source.collect = timed_collect  # type: ignore[method-assign,assignment]
        request = scale_request(data, timeline=mode == "netlogs-html")
        result = trace(request, source, scale_topology())
        seconds = time.perf_counter() - t0
    stages["other"] = seconds - sum(stages.values())  # scope, window, naming, sources, ...
    return {
        "seconds": seconds,
        "stages": {k: round(v, 2) for k, v in stages.items()},
        "flows": len(result.flows),
        "gaps": len(result.gaps),
        "verdicts": _verdicts(result.flows),
    }


def run_core(data: Path) -> dict[str, object]:
    """The correlation engine and verdict rules alone, on pre-filtered columns, no model."""
    from netlogs.correlate import correlate_evidence
    from netlogs.model import EvidenceTables
    from netlogs.schemas import DNS_QUERIES, empty_frame
    from netlogs.verdicts import judge_flows

    t0 = time.perf_counter()
    read = [_read_filtered(data, name) for name in ("kv_requests", "fw_events", "flows")]
    tables = EvidenceTables(*read, empty_frame(DNS_QUERIES))  # type: ignore[arg-type]
    t1 = time.perf_counter()
    ctx = _context(data)
    correlated = correlate_evidence(tables, ctx)  # type: ignore[arg-type]
    t2 = time.perf_counter()
    flows, gaps = judge_flows(correlated, ctx)  # type: ignore[arg-type]
    t3 = time.perf_counter()
    return {
        "seconds": t3 - t0,
        "stages": {
            "read": round(t1 - t0, 2),
            "correlate": round(t2 - t1, 2),
            "judge": round(t3 - t2, 2),
        },
        "flows": len(flows),
        "gaps": len(gaps),
        "verdicts": _verdicts(flows),
    }


def run_polars_asof(data: Path, filtered: bool = False) -> dict[str, float]:
    import polars as pl

    t0 = time.perf_counter()
    if filtered:
        kv = _scan_filtered(data, "kv_requests", ["time", "caller_ip"]).collect().sort("time")
        fw = _scan_filtered(data, "fw_events", ["time", "src_ip", "row_id"]).collect()
    else:
        kv = pl.read_parquet(data / "kv_requests.parquet", columns=["time", "caller_ip"])
        kv = kv.sort("time")
        fw = pl.read_parquet(data / "fw_events.parquet", columns=["time", "src_ip", "row_id"])
    fw = fw.rename({"time": "fw_time"}).sort("fw_time")
    joined = kv.join_asof(
        fw,
        left_on="time",
        right_on="fw_time",
        by_left="caller_ip",
        by_right="src_ip",
        strategy="backward",
        tolerance=timedelta(minutes=10),
        check_sortedness=False,
    )
    matched = joined.get_column("row_id").is_not_null().sum()
    return {"seconds": time.perf_counter() - t0, "matched": int(matched)}


def run_duckdb(data: Path, joins: int, filtered: bool = False) -> dict[str, float]:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    kv, fw, fl = (str(data / f"{n}.parquet") for n in ("kv_requests", "fw_events", "flows"))
    where = _sql_filters(data) if filtered else {"kv": "", "fw": "", "fl": ""}
    second = (
        f" ASOF LEFT JOIN (SELECT time_start, src_ip AS fsrc FROM read_parquet('{fl}')"
        f" {where['fl']}) l ON k.caller_ip = l.fsrc AND k.time >= l.time_start"
        if joins == 2
        else ""
    )
    query = (
        f"SELECT count(f.row_id) FROM (SELECT time, caller_ip FROM read_parquet('{kv}')"
        f" {where['kv']}) k ASOF LEFT JOIN (SELECT time AS fw_time, src_ip, row_id"
        f" FROM read_parquet('{fw}') {where['fw']}) f"
        f" ON k.caller_ip = f.src_ip AND k.time >= f.fw_time{second}"
    )
    result = con.execute(query).fetchone()
    return {"seconds": time.perf_counter() - t0, "matched": int(result[0]) if result else -1}


def child(contender: str, data: Path) -> None:
    cpu_start = time.process_time()
    if contender == "netlogs-core":
        result = run_core(data)
    elif contender.startswith("netlogs"):
        result = run_netlogs(data, contender)
    elif contender.startswith("polars-asof"):
        result = run_polars_asof(data, filtered=contender.endswith("-filtered"))
    elif contender == "floor":
        result = run_floor(data)
    else:
        joins = 2 if contender.startswith("duckdb-asof2") else 1
        result = run_duckdb(data, joins, filtered=contender.endswith("-filtered"))
    result["cpu_seconds"] = time.process_time() - cpu_start  # all threads; steadier than wall time
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(contender: str, data: Path, baseline: Path | None = None) -> dict[str, object]:
    """One run in a child process; ``netlogs-baseline`` imports netlogs from ``baseline``."""
    env = dict(os.environ)
    if contender == "netlogs-baseline" and baseline is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(baseline), env.get("PYTHONPATH")]))
        contender = "netlogs"
    out = subprocess.run(
        [sys.executable, __file__, "--data", str(data), "--child", contender],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _median(runs: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(run[key]) for run in runs)  # type: ignore[arg-type]


def machine() -> str:
    import duckdb
    import polars as pl

    return describe(polars=pl.__version__, duckdb=duckdb.__version__)


def main() -> None:
    parser = argparse.ArgumentParser(description="netlogs trace correlation benchmark")
    parser.add_argument("--data", type=Path, required=True, help="directory from scale_data.py")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", choices=CONTENDERS, default=list(CONTENDERS))
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender; best is kept")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a directory holding an older netlogs package (e.g. `git archive <rev> netlogs`): "
        "adds contender netlogs-baseline, the pipeline's path with that code",
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data)
        return
    print(f"machine: {machine()}")
    names = [*args.only, *(["netlogs-baseline"] if args.baseline else [])]
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in names}
    for _ in range(args.repeat):  # interleaved, so a burst of load on the machine hits everyone
        for name in names:
            runs[name].append(measure(name, args.data, args.baseline))
    results = {
        name: min(results, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
        for name, results in runs.items()
    }
    print(f"load average after the runs: {os.getloadavg()[0]:.1f}")
    print("| contender | wall s | CPU s | CPU s median | peak RSS MB | detail |")
    print("|---|---|---|---|---|---|")
    for name, result in results.items():
        detail = {
            k: v for k, v in result.items() if k not in ("seconds", "cpu_seconds", "peak_rss_mb")
        }
        print(
            f"| {name} | {float(result['seconds']):.2f} | {float(result['cpu_seconds']):.2f} "  # type: ignore[arg-type]
            f"| {_median(runs[name], 'cpu_seconds'):.2f} "
            f"| {float(result['peak_rss_mb']):.0f} | {json.dumps(detail)} |"  # type: ignore[arg-type]
        )
    # the filtered anchors and the floor first: they do the same work as netlogs
    bases = (
        "duckdb-asof2-filtered",
        "floor",
        "polars-asof-filtered",
        "duckdb-asof2",
        "duckdb-asof",
        "polars-asof",
    )
    for ours in ("netlogs", "netlogs-html"):
        for base in (*bases, "netlogs-baseline"):
            if {ours, base} <= results.keys():
                wall = float(results[ours]["seconds"]) / float(results[base]["seconds"])  # type: ignore[arg-type]
                cpu = float(results[ours]["cpu_seconds"]) / float(results[base]["cpu_seconds"])  # type: ignore[arg-type]
                # each round ran both back to back: the median of the rounds' CPU ratios
                rounds = statistics.median(
                    float(a["cpu_seconds"]) / float(b["cpu_seconds"])  # type: ignore[arg-type]
                    for a, b in zip(runs[ours], runs[base], strict=True)
                )
                print(
                    f"{ours} / {base} = {wall:.2f}x wall, {cpu:.2f}x CPU (best runs); "
                    f"{rounds:.2f}x CPU (median of {len(runs[ours])} rounds)"
                )


if __name__ == "__main__":
    main()
