"""The same estate watched for several days: scale_data.py output repeated day after day.

Copies one generated day (same clients, same pattern) to the following days by shifting its
times, so a multi-day audit can be measured at a small scale: what grows with the days (rows the
local engine fetches) and what grows only with the clients (the kusto engine's answers).

    python benchmarks/repeat_days.py --scale 0.03 --days 3 --out /tmp/netlogs-0.03x3
    python benchmarks/kusto_bench.py --scale 0.03 --data /tmp/netlogs-0.03x3
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

_TIME_COLUMNS = {
    "kv_requests": ("time",),
    "fw_events": ("time",),
    "flows": ("time_start", "time_end"),
}


def main() -> None:
    from scale_data import generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        generate(args.scale, Path(tmp))
        meta = json.loads((Path(tmp) / "meta.json").read_text(encoding="utf-8"))
        for name, columns in _TIME_COLUMNS.items():
            day = pl.read_parquet(Path(tmp) / f"{name}.parquet")
            copies = [
                day.with_columns(pl.col(c) + timedelta(days=n) for c in columns if c in day.columns)
                for n in range(args.days)
            ]
            pl.concat(copies).write_parquet(args.out / f"{name}.parquet")
            meta[name] = meta[name] * args.days
    meta["days"] = args.days
    (args.out / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


if __name__ == "__main__":
    main()
