"""`netlogs --help` start-up time (target < 0.5 s), next to a bare `python -c pass` reference.

Run: .venv/bin/python benchmarks/startup_bench.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def _median_seconds(argv: list[str], runs: int = 15) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    bare = _median_seconds([sys.executable, "-c", "pass"])
    help_ = _median_seconds([sys.executable, "-m", "netlogs", "--help"])
    print(f"python -c pass     median {bare * 1000:7.1f} ms")
    print(f"netlogs --help     median {help_ * 1000:7.1f} ms  ({help_ / bare:.1f}x bare python)")
    print("target: netlogs --help < 500 ms:", "met" if help_ < 0.5 else "MISSED")


if __name__ == "__main__":
    main()
