"""Benchmark: ``correlate_evidence`` alone, this checkout against an older one, in ONE process.

On a shared machine a burst of load swamps the few per cent a change to one stage makes when
each side runs in its own process. Here both sides run in the same process on the same input
tables, alternating (ABAB, then BABA), so load bursts hit both; CPU seconds are the process's
(all threads), wall seconds the call's. Both outputs are compared before timing.

The baseline package is a copy of ``DIR/netlogs`` renamed ``netlogs_baseline`` (its imports
rewritten), so both versions import side by side:

    git archive main netlogs | tar -x -C /tmp/base
    python benchmarks/correlate_ab.py --data /tmp/nl-0.3 --baseline /tmp/base --rounds 10
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import pickle
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scale_estate import evidence_dir, scale_request, scale_topology

_BASE = "netlogs_baseline"


def _renamed_copy(baseline: Path, into: Path) -> None:
    """``baseline/netlogs`` copied to ``into/netlogs_baseline``, its own imports renamed."""
    target = into / _BASE
    shutil.copytree(baseline / "netlogs", target)
    pattern = re.compile(r"\bnetlogs(?=[. ])")
    for path in target.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(pattern.sub(_BASE, text), encoding="utf-8")


def _inputs(data: Path) -> bytes:
    """``correlate_evidence``'s arguments in a ``trace()`` over the scale data, pickled."""
    import netlogs.pipeline.trace as pipeline
    from netlogs.sources.files import FileSource

    captured: list[bytes] = []
    original = pipeline.correlate_evidence

    def capture(tables: Any, ctx: Any) -> Any:
        captured.append(pickle.dumps((tables, ctx)))
        return original(tables, ctx)

    pipeline.correlate_evidence = capture  # type: ignore[assignment]
    with evidence_dir(data) as logs:
        pipeline.trace(scale_request(data), FileSource(logs, prefilter=True), scale_topology())
    pipeline.correlate_evidence = original
    return captured[0]


class _Renamed(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "netlogs" or module.startswith("netlogs."):
            module = _BASE + module[len("netlogs") :]
        return super().find_class(module, name)


def _digest(result: Any) -> str:
    """What the verdicts read, as text (mappings sorted: their order is not part of it)."""
    parts = [
        result.client_ips,
        result.clients.rows(),
        sorted(result.firewalls_seen),
        result.unnamed_firewall_rows,
        result.requests.rows(),
        list(result.evidence.items()),
        sorted(result.evidence_omitted.items()),
        result.timeline.rows(),
        sorted((k, sorted(v.items())) for k, v in result.http_status.items()),
        sorted((k, sorted(v.items())) for k, v in result.operations.items()),
    ]
    return repr(parts)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description="correlate_evidence, A/B in one process")
    parser.add_argument("--data", type=Path, required=True, help="directory from scale_data.py")
    parser.add_argument("--baseline", type=Path, required=True, help="holds an older netlogs/")
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    inputs = _inputs(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        _renamed_copy(args.baseline, Path(tmp))
        sys.path.insert(0, tmp)
        sides = {
            "current": (importlib.import_module("netlogs.correlate"), pickle.loads(inputs)),
            "baseline": (
                importlib.import_module(f"{_BASE}.correlate"),
                _Renamed(io.BytesIO(inputs)).load(),
            ),
        }
        gc.disable()  # as trace() runs it
        outputs = {name: _digest(m.correlate_evidence(*a)) for name, (m, a) in sides.items()}
        print("same output:", outputs["current"] == outputs["baseline"])
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
        for index in range(args.rounds):
            order = list(sides) if index % 2 == 0 else list(reversed(sides))
            for name in order:
                module, arguments = sides[name]
                cpu, wall = _cpu(), time.perf_counter()
                module.correlate_evidence(*arguments)
                runs[name].append((_cpu() - cpu, time.perf_counter() - wall))
                gc.collect()
    for name, timings in runs.items():
        cpu_median = statistics.median(c for c, _ in timings)
        wall_median = statistics.median(w for _, w in timings)
        print(f"{name}: CPU s median {cpu_median:.3f}, wall s median {wall_median:.3f}")
    ratios = [c / b for (c, _), (b, _) in zip(runs["current"], runs["baseline"], strict=True)]
    ratio = statistics.median(ratios)
    print(f"current / baseline CPU, median of {args.rounds} rounds: {ratio:.3f}")


if __name__ == "__main__":
    main()
