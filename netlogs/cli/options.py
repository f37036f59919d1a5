"""Options shared by more than one command."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

CLOUDS = ("AzureCloud", "AzureUSGovernment", "AzureChinaCloud")
DEFAULT_TIMEOUT_S = 300.0  # the overall deadline of a run's live queries


def log_analytics_connection(command: F) -> F:
    """Options of a live Log Analytics run: cloud, endpoint, CA bundle, deadline, progress."""
    command = click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="No progress on stderr while querying (it is shown only on a terminal).",
    )(command)
    command = click.option(
        "--timeout",
        "timeout_s",
        type=click.FloatRange(min=0.1),
        default=DEFAULT_TIMEOUT_S,
        show_default=True,
        metavar="SECONDS",
        help="Overall deadline for the live queries; chunks not answered by then are partial.",
    )(command)
    command = click.option(
        "--cloud",
        type=click.Choice(CLOUDS),
        default="AzureCloud",
        show_default=True,
        help="Azure cloud of the workspaces (query API host and token audience).",
    )(command)
    command = click.option(
        "--ca-bundle",
        envvar="NETLOGS_CA_BUNDLE",
        hidden=True,
        type=click.Path(exists=True, dir_okay=False),
        help="CA bundle for TLS verification of --endpoint (testing).",
    )(command)
    return click.option(
        "--endpoint",
        envvar=["NETLOGS_LOGS_ENDPOINT", "NETLOGS_LA_ENDPOINT"],
        callback=_https_endpoint,
        hidden=True,
        help="Query API base URL, e.g. https://api.loganalytics.io (proxies, private links).",
    )(command)


def _https_endpoint(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """The query API gets a bearer token: never over plain http (the same rule as discovery's
    ``NETLOGS_LOGS_ENDPOINT`` check), whichever of --workspace, fetch or discovery reads it."""
    from netlogs.errors import ConfigError

    if value and not value.strip().lower().startswith("https://"):
        raise ConfigError(
            f"--endpoint / NETLOGS_LOGS_ENDPOINT={value}: must be an https:// URL"
        )
    return value.strip() if value else value
