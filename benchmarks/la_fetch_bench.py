"""Fetch N AZFWNetworkRule rows from the local HTTPS fake: netlogs' raw path vs the SDK's rows.

Both paths use the real azure-monitor-query client against the same fake server, chunk by chunk
(1 hour per chunk, ``--chunk-rows`` rows per response, as the service caps a response at 500,000
rows / 64 MB):

* raw: ``LogAnalyticsSource.collect`` (``send_request`` + column-wise polars frames);
* sdk: ``LogsQueryClient.query_workspace`` per chunk, then its ``LogsTableRow`` objects into a
  polars frame (what a user of the SDK would write).

Each path runs in its own child process so its peak RSS is its own (polars allocates outside
Python, so tracemalloc would miss most of it); the server runs in this parent process.

    .venv/bin/python benchmarks/la_fetch_bench.py                 # 1,000,000 rows
    .venv/bin/python benchmarks/la_fetch_bench.py --rows 200000   # quick check
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script: the fake query API lives in tests/

WORKSPACE = "11111111-2222-3333-4444-555555555555"
START = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)


class _Credential:
    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken("bench-token", int(time.time()) + 3600)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _run_raw(endpoint: str, ca: str, chunks: int, concurrency: int) -> dict[str, Any]:
    from netlogs.model import EvidenceQuery, TimeWindow
    from netlogs.sources.log_analytics import LogAnalyticsSource, RetrySettings

    query = EvidenceQuery(
        vault_name="kv-contoso-prod",
        vault_fqdn="kv-contoso-prod.vault.azure.net",
        private_endpoint_ips=("10.1.2.4",),
        firewall_names=(),
        window=TimeWindow(START, START + timedelta(hours=chunks)),
    )
    source = LogAnalyticsSource(
        [WORKSPACE],
        credential=_Credential(),
        endpoint=endpoint,
        connection_verify=ca,
        templates=["firewall_network_rules"],
        max_concurrency=concurrency,
        retry=RetrySettings(total=0, read_timeout=600),
        chunk=timedelta(hours=1),  # one response per hour of rows, as the fake serves them
        timeout_s=3600,
    )
    baseline = _rss_mb()
    started = time.perf_counter()
    evidence = source.collect(query)
    seconds = time.perf_counter() - started
    frame = evidence.raw_tables[0].frame
    return {
        "seconds": seconds,
        "rows": frame.height,
        "peak_rss_mb": _rss_mb(),
        "baseline_rss_mb": baseline,
        "columns": dict(zip(frame.columns, map(str, frame.dtypes), strict=True)),
    }


def _run_sdk(endpoint: str, ca: str, chunks: int) -> dict[str, Any]:
    import polars as pl
    from azure.monitor.query import LogsQueryClient

    client = LogsQueryClient(
        _Credential(), endpoint=endpoint, connection_verify=ca, read_timeout=600, retry_total=0
    )
    baseline = _rss_mb()
    started = time.perf_counter()
    frames = []
    for hour in range(chunks):
        begin = START + timedelta(hours=hour)
        result = client.query_workspace(
            WORKSPACE, "AZFWNetworkRule", timespan=(begin, begin + timedelta(hours=1))
        )
        table = result.tables[0]
        frames.append(
            pl.DataFrame([list(row) for row in table.rows], schema=table.columns, orient="row")
        )
    frame = pl.concat(frames)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": frame.height,
        "peak_rss_mb": _rss_mb(),
        "baseline_rss_mb": baseline,
        "columns": dict(zip(frame.columns, map(str, frame.dtypes), strict=True)),
    }


def _child(argv: list[str]) -> None:
    mode, endpoint, ca, chunks, concurrency = argv[0], argv[1], argv[2], int(argv[3]), int(argv[4])
    result = (
        _run_raw(endpoint, ca, chunks, concurrency)
        if mode == "raw"
        else _run_sdk(endpoint, ca, chunks)
    )
    print(json.dumps(result))


def _measure(
    mode: str, endpoint: str, ca: str, chunks: int, concurrency: int = 1
) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        endpoint,
        ca,
        str(chunks),
        str(concurrency),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{mode} child failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    import polars as pl

    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} logical CPUs "
        f"(shared), Python {platform.python_version()}, polars {pl.__version__}"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    args = parser.parse_args()

    from tests.sources.log_analytics.fake_query_api import FakeQueryApi, Reply
    from tests.sources.log_analytics.la_bodies import network_rule_rows, table_body

    chunks = max(1, args.rows // args.chunk_rows)
    body = json.dumps(table_body(network_rule_rows(args.chunk_rows, START))).encode()
    print(f"{chunks} chunks x {args.chunk_rows} rows, {len(body) / 1e6:.1f} MB per response")
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeQueryApi(lambda r: Reply(200, body), Path(tmp)) as api,
    ):
        ca = str(api.ca_file)
        sdk = _measure("sdk", api.endpoint, ca, chunks)
        raw = _measure("raw", api.endpoint, ca, chunks)
        raw5 = _measure("raw", api.endpoint, ca, chunks, concurrency=5)
    rows = raw["rows"]
    assert rows == sdk["rows"] == chunks * args.chunk_rows, (raw["rows"], sdk["rows"])
    print(f"machine: {_machine()}")
    print(f"response: {len(body) / 1e6:.1f} MB x {chunks}")
    for name, r in (
        ("sdk rows -> polars", sdk),
        ("raw (1 thread)", raw),
        ("raw (5 threads)", raw5),
    ):
        print(
            f"{name:20s} {r['seconds']:7.2f} s  {r['rows'] / r['seconds']:>10,.0f} rows/s  "
            f"peak RSS {r['peak_rss_mb']:7.0f} MB (baseline {r['baseline_rss_mb']:.0f} MB)"
        )
    print(f"ratio sdk/raw (1 thread): {sdk['seconds'] / raw['seconds']:.1f}x")
    print(f"raw dtypes: {raw['columns']}")
    print(f"sdk dtypes: {sdk['columns']}")


if __name__ == "__main__":
    main()
