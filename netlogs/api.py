"""The public library API: what a notebook or a script calls instead of the command line.

    import netlogs
    result = netlogs.trace("kv-contoso-prod", topology="sample_data/topology.yaml",
                           logs="sample_data/logs")
    result.flows_frame()          # one row per client, polars
    print(result.explain("10.0.1.10"))

Every function takes plain values (paths, names, durations as text or ``timedelta``, datetimes)
and returns the same frozen values the CLI renders. The clock is read once, here, unless ``now``
is given.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from netlogs.errors import ConfigError
from netlogs.model import (
    DEFAULT_CLOCK_SKEW,
    DEFAULT_EVIDENCE_PER_KIND,
    DEFAULT_REUSE_WINDOW,
    EvidenceSource,
    ExpectedPath,
    TimeWindow,
    TraceRequest,
    TraceResult,
)
from netlogs.paths import expected_path as walk_path
from netlogs.pipeline.trace import trace as run_trace
from netlogs.pipeline.window import resolve_window
from netlogs.routing import effective_routes as routes_of_subnet
from netlogs.sources.files import FileSource
from netlogs.terms import utc_text
from netlogs.topology.loader import load_topology as load_topology_file
from netlogs.topology.model import KeyVault, Topology

if TYPE_CHECKING:
    from netlogs.routing import EffectiveRoute, RoutingOptions
    from netlogs.sources.log_analytics import Progress

__all__ = [
    "copy_sample_scenario",
    "effective_routes",
    "expected_path",
    "load_topology",
    "trace",
]

PathLike = str | Path


def load_topology(path: PathLike) -> Topology:
    """Read and validate a topology file (YAML or JSON, see docs/topology-format.md).

    Raises:
        InputError: the file is unreadable or not a valid topology (the message names the
            file, the resource and the field).
    """
    return load_topology_file(Path(path))


def effective_routes(
    topology: Topology | PathLike, subnet: str, options: RoutingOptions | None = None
) -> tuple[EffectiveRoute, ...]:
    """The effective routes of ``vnet/subnet``, in ``az network nic show-effective-route-table``
    vocabulary, for any subnet (GatewaySubnet and empty subnets included)."""
    return routes_of_subnet(_topology(topology), subnet, options)


def expected_path(
    topology: Topology | PathLike,
    source: str,
    destination: str,
    port: int | None = None,
    options: RoutingOptions | None = None,
) -> ExpectedPath:
    """The modelled path from ``source`` (address, CIDR, ``vnet/subnet`` or client name) to
    ``destination`` (address, vault name or vault FQDN), hop by hop with the deciding rule."""
    return walk_path(_topology(topology), source, destination, port, options)


def trace(
    vault: str,
    *,
    topology: Topology | PathLike | None = None,
    logs: PathLike | None = None,
    workspaces: Sequence[str] = (),
    since: str | timedelta | None = None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    require_firewall: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
    source: EvidenceSource | None = None,
    skip_unknown: bool = False,
    csv_timezone: str | None = None,
    reuse_window: timedelta = DEFAULT_REUSE_WINDOW,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    timeline: bool = False,
    evidence: int | str = DEFAULT_EVIDENCE_PER_KIND,
) -> TraceResult:
    """Judge every client's access to ``vault`` from exported logs, Log Analytics or a source.

    Exactly one evidence source: ``logs`` (a directory of exports), ``workspaces`` (Log Analytics
    workspace ids, signed in with ``DefaultAzureCredential``) or ``source`` (any object with
    ``collect(query)``, e.g. ``netlogs.testing.FakeSource``). Without a window, ``logs`` uses
    the span of the rows read; a live query needs ``since`` or ``start``. ``evidence``: log
    rows cited per client and kind (family and outcome: the first half in time and the last
    half, the rest counted in ``evidence_omitted``), or ``"all"``.

    ``require_firewall``: ``None`` (the default) applies the topology's design rule, if it has
    one; a firewall name requires that firewall instead; ``"none"`` means no design rule for
    this trace even when the topology has one (no path around a firewall and no service
    endpoint is a violation, and every output states that first), like
    ``--require-firewall none``. The topology's hash in the result is the given topology's.

    Raises:
        ConfigError: contradictory or missing arguments, an unknown vault, firewall or client.
        InputError: unreadable or invalid input (the message names the file).
        QueryError: a live query could not run.
    """
    per_kind = evidence_limit(evidence)
    clock = now or datetime.now(timezone.utc)
    window = _window(clock, since, start, end)
    if workspaces and window is None:
        raise ConfigError("a live trace needs a time window: give since= or start=")
    rows_from = evidence_source(
        logs=logs,
        workspaces=tuple(workspaces),
        source=source,
        skip_unknown=skip_unknown,
        csv_timezone=csv_timezone,
        now=clock,
    )
    request = TraceRequest(
        vault=vault,
        window=window,
        now=clock,
        required_firewall=require_firewall,
        client_filter=client,
        reuse_window=reuse_window,
        clock_skew=clock_skew,
        timeline=timeline,
        evidence_per_kind=per_kind,
    )
    return run_trace(request, rows_from, trace_topology(topology, vault))


MAX_EVIDENCE_PER_KIND = 1_000_000  # beyond it, "all" says what is meant


def evidence_limit(value: int | str, option: str = "evidence") -> int | None:
    """Rows cited per client and kind from ``N`` (a positive whole number, also as text) or
    ``all`` (None: every row).

    Raises:
        ConfigError: anything else.
    """
    text = str(value).strip().lower()
    if text == "all":
        return None
    digits = not isinstance(value, bool) and text.isascii() and text.isdigit()
    if not digits or not 1 <= int(text) <= MAX_EVIDENCE_PER_KIND:
        raise ConfigError(
            f"{option} {value!r}: expected a number of rows from 1 to "
            f"{MAX_EVIDENCE_PER_KIND:,} or 'all'"
        )
    return int(text)


# ------------------------------------------------------------- the parts of a trace (CLI too)


@dataclass(frozen=True)
class LiveSettings:
    """How a live trace reaches Log Analytics: query API endpoint, cloud, CA bundle for TLS,
    the overall deadline and a progress callback (the CLI's --endpoint, --cloud, ...)."""

    endpoint: str | None = None
    cloud: str = "AzureCloud"
    ca_bundle: str | None = None
    timeout_s: float = 300.0
    progress: Callable[[Progress], None] | None = None
    credential: object | None = None  # None: sign in as discovery does (DefaultAzureCredential)


def trace_topology(
    topology: Topology | PathLike | None,
    vault: str,
    *,
    service_tags: PathLike | None = None,
    absent: str = "(no topology given)",
) -> Topology:
    """The given topology (with Key Vault service-endpoint prefixes from an
    ``az network list-service-tags`` file), or without one a stand-in that knows only the
    vault's name: its settings are unknown, not Azure's defaults, and ``absent`` says so in
    every report."""
    if topology is not None:
        model = _topology(topology)
    else:
        unknown = KeyVault(name=vault, public_network_access="Unknown")
        model = Topology(key_vaults=(unknown,), source=absent)
    if service_tags is None:
        return model
    from netlogs.topology.service_tags import load_service_tags, with_service_tags  # noqa: PLC0415

    return with_service_tags(model, load_service_tags(Path(service_tags)))


def evidence_source(
    *,
    logs: PathLike | None = None,
    workspaces: Sequence[str] = (),
    source: EvidenceSource | None = None,
    skip_unknown: bool = False,
    csv_timezone: str | None = None,
    live: LiveSettings | None = None,
    now: datetime | None = None,
) -> EvidenceSource:
    """Exactly one evidence source: ``source`` as given, the exports under ``logs`` (netlogs'
    own Parquet read only for the rows a trace can use), or the Log Analytics ``workspaces``.

    Raises:
        ConfigError: none or several sources, or ``logs`` is not a directory.
    """
    given = [
        name for name, v in (("logs", logs), ("workspaces", workspaces), ("source", source)) if v
    ]
    if len(given) != 1:
        raise ConfigError(
            "give exactly one evidence source: logs=DIR, workspaces=[ID, ...] or source="
            + (f" (got {', '.join(given)})" if given else "")
        )
    if source is not None:
        return source
    if logs is not None:
        root = Path(logs)
        if not root.is_dir():
            raise ConfigError(f"logs={logs}: no such directory")
        return FileSource(
            root, csv_timezone=csv_timezone, skip_unknown=skip_unknown, prefilter=True
        )
    settings = live or LiveSettings()
    # azure-* is loaded only for a live trace; signed in as discovery is (one token, first)
    from netlogs.pipeline.live_sources import workspace_source  # noqa: PLC0415

    return workspace_source(
        tuple(workspaces),
        cloud=settings.cloud,
        credential=settings.credential,  # a caller's own (a notebook, a test), else signed in
        endpoint=settings.endpoint,
        connection_verify=settings.ca_bundle,
        timeout_s=settings.timeout_s,
        now=now,
        progress=settings.progress,
    )


def _topology(topology: Topology | PathLike) -> Topology:
    return topology if isinstance(topology, Topology) else load_topology(topology)


def _window(
    now: datetime,
    since: str | timedelta | None,
    start: datetime | str | None,
    end: datetime | str | None,
) -> TimeWindow | None:
    if isinstance(since, timedelta):
        if start is not None or end is not None:
            raise ConfigError("give either since= or start=/end=, not both")
        if since <= timedelta(0):
            raise ConfigError("since= must be longer than zero")
        return TimeWindow(now - since, now)
    return resolve_window(now, since, _iso(start), _iso(end))


def _iso(moment: datetime | str | None) -> str | None:
    if moment is None or isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        raise ConfigError(f"{moment!r}: give a timezone-aware datetime (UTC)")
    return utc_text(moment, "microseconds")


def copy_sample_scenario(destination: PathLike) -> Path:
    """Copy the shipped sample scenario (topology, logs in several real formats, README) into
    ``destination`` (created; it must not hold files yet) and return it.

    Raises:
        ConfigError: ``destination`` exists and is not an empty directory.
    """
    target = Path(destination)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"{target}: exists and is not an empty directory")
    source = _sample_scenario_dir()
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.py"))
    return target


def _sample_scenario_dir() -> Path:
    """``netlogs/_data/sample_data`` in an installed wheel, ``sample_data/`` in a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "_data" / "sample_data", package.parent / "sample_data"):
        if (candidate / "topology.yaml").is_file():
            return candidate
    raise ConfigError("the sample scenario is not installed with this copy of netlogs")
