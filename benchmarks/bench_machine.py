"""The machine line every benchmark prints next to its numbers (imported by the scripts here)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe(**libraries: str) -> str:
    """CPU model, cores, memory, Python, the given library versions and the current load."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or platform.machine(),
    )
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = "".join(f", {name} {version}" for name, version in libraries.items())
    return (
        f"{cpu}, {os.cpu_count()} cores shared with other jobs, {mem_gb:.0f} GB RAM, "
        f"Python {platform.python_version()}{versions}, load {os.getloadavg()[0]:.1f}"
    )
