"""The discovery cache: what Azure answered, kept for a few hours so a second trace in the
same incident skips Resource Graph and ARM (``--refresh`` asks again).

``$XDG_CACHE_HOME/netlogs`` (default ``~/.cache/netlogs``), one JSON file per cloud, vault and
subscription scope, readable by the user only. It holds resource properties, never tokens.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from netlogs.pipeline.discover import AzureAnswers

MAX_AGE_S = 6 * 3600
FORMAT = "netlogs.discovery-cache/v1"


def cache_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "netlogs"


def cache_file(cloud: str, vault: str, subscriptions: tuple[str, ...]) -> Path:
    key = "\n".join(
        [cloud.lower(), vault.strip().lower(), *sorted(s.lower() for s in subscriptions)]
    )
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return cache_dir() / f"discovery-{digest}.json"


def load_answers(path: Path, max_age_s: float = MAX_AGE_S) -> AzureAnswers | None:
    """The cached answers, or None when absent, stale or unreadable (then Azure is asked)."""
    try:
        if time.time() - path.stat().st_mtime > max_age_s:
            return None
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    try:
        return AzureAnswers(**document["answers"])
    except (KeyError, TypeError):
        return None


def save_answers(path: Path, answers: AzureAnswers) -> None:
    """Write atomically, mode 0600; a cache that cannot be written is only a slower next run."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"format": FORMAT, "answers": asdict(answers)}, handle)
        os.replace(temp, path)
    except OSError:
        return
