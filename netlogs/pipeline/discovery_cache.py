"""The discovery cache: the estate discovery built (topology, log plan, the firewall read from
the routes), kept for a few hours so a second trace in the same incident skips Resource Graph,
ARM, the importer and validation (``--refresh`` asks Azure again).

``$XDG_CACHE_HOME/netlogs`` (default ``~/.cache/netlogs``), one file per cloud, vault and
subscription scope, readable by the user only. It holds resource properties, never tokens.

A file is one header line (format, netlogs version, the model's signature, the SHA-256 of the
body) and the body, ``frozen_json`` of the ``Estate``. It is used only when all four match and
it is younger than ``MAX_AGE_S``; anything else is asked again, with a note saying why, never
trusted half-read and never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from netlogs.azure.clouds import Cloud
from netlogs.pipeline.discover import Discovery, Estate, build_estate, decide, read_azure
from netlogs.pipeline.frozen_json import from_plain, signature, to_plain
from netlogs.pipeline.trace import netlogs_version
from netlogs.topology.dump import remember_dump

MAX_AGE_S = 6 * 3600
FORMAT = "netlogs.discovery-cache/v2"
Say = Callable[[str], None]


@dataclass(frozen=True)
class CacheRead:
    estate: Estate | None
    document: str = ""  # the topology file's text when the routes decide the rule ("" = none)
    note: str = ""  # why the file was not used ("" = absent, or used)
    damaged: bool = False  # unreadable or not what netlogs wrote (worth a warning)


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


def discover_cached(
    vault: str,
    subscriptions: tuple[str, ...],
    credential: Any,
    cloud: Cloud,
    *,
    require_firewall: str | None,
    refresh: bool = False,
    progress: Say = lambda _: None,
    warn: Say = lambda _: None,
) -> tuple[Discovery, Path]:
    """The estate from the cache (unless ``refresh``) or from Azure (then cached), and the
    design rule of this trace. ``warn`` hears of a damaged cache file, ``progress`` of the rest."""
    path = cache_file(cloud.name, vault, subscriptions)
    read = CacheRead(None) if refresh else load_estate(path)
    if read.note:
        (warn if read.damaged else progress)(read.note)
    if read.estate is not None:
        progress(f"using the discovery cache {path} (--refresh to ask Azure again)")
        found = decide(read.estate, subscriptions, require_firewall)
        if require_firewall or not read.document:
            return found, path
        # the kept text is this topology's dump (same rule, same netlogs): the trace's
        # topology_sha256 is its digest, without dumping the estate again
        remember_dump(found.topology, read.document)
        return replace(found, document=read.document), path
    estate = build_estate(read_azure(vault, subscriptions, credential, cloud, progress))
    found = decide(estate, subscriptions, require_firewall)
    if require_firewall is None:  # the usual case: keep the topology file's text too
        found = replace(found, document=found.topology_document())
    save_estate(path, estate, found.document)
    return found, path


def load_estate(path: Path, max_age_s: float = MAX_AGE_S) -> CacheRead:
    """The cached estate, or None and why (absent: no note)."""
    try:
        age = time.time() - path.stat().st_mtime
        if age > max_age_s:
            why = f"is older than {_hours(max_age_s)}; asking Azure again"
            return CacheRead(None, note=f"discovery cache {path} {why}")
        header_line, _, body = path.read_bytes().partition(b"\n")
        header: Any = json.loads(header_line)
    except FileNotFoundError:
        return CacheRead(None)
    except (OSError, ValueError) as exc:
        return _damaged(path, f"unreadable header: {type(exc).__name__}")
    if not isinstance(header, dict):
        return _damaged(path, "no header")
    expected = _header("")
    for key in ("format", "netlogs", "model"):
        if header.get(key) != expected[key]:
            return CacheRead(
                None,
                note=f"discovery cache {path} was written by another netlogs ({key} "
                f"{header.get(key)!r}, this one {expected[key]!r}); asking Azure again",
            )
    if header.get("sha256") != hashlib.sha256(body).hexdigest():
        return _damaged(path, "its content does not match its SHA-256")
    try:
        document = json.loads(body)
        if not isinstance(document, dict) or not isinstance(document.get("document"), str):
            raise ValueError("no topology document")
        return CacheRead(from_plain(Estate, document.get("estate")), document["document"])
    except (ValueError, TypeError) as exc:  # FrozenJsonError is a ValueError
        return _damaged(path, f"{type(exc).__name__}: {str(exc)[:120]}")


def save_estate(path: Path, estate: Estate, document: str = "") -> None:
    """Write atomically, mode 0600; a cache that cannot be written is only a slower next run.
    ``document``: the topology file's text for the rule read from the routes, when known."""
    plain = {"estate": to_plain(estate), "document": document}
    body = json.dumps(plain, separators=(",", ":")).encode("utf-8")
    header = json.dumps(_header(hashlib.sha256(body).hexdigest())).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(header + b"\n" + body)
        os.replace(temp, path)
    except OSError:
        return


def _header(sha256: str) -> dict[str, str]:
    return {
        "format": FORMAT,
        "netlogs": netlogs_version(),
        "model": signature(Estate),
        "sha256": sha256,
    }


def _damaged(path: Path, why: str) -> CacheRead:
    why = f"ignored ({why}); asking Azure again"
    return CacheRead(None, note=f"discovery cache {path} {why}", damaged=True)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:g} h"
