"""Options shared by more than one command."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def log_analytics_connection(command: F) -> F:
    """Hidden `--endpoint` / `--ca-bundle` (tests against a local fake, sovereign clouds)."""
    command = click.option(
        "--ca-bundle",
        envvar="NETLOGS_CA_BUNDLE",
        hidden=True,
        type=click.Path(exists=True, dir_okay=False),
        help="CA bundle for TLS verification of --endpoint (testing).",
    )(command)
    return click.option(
        "--endpoint",
        envvar="NETLOGS_LA_ENDPOINT",
        hidden=True,
        help="Query API base URL (testing, sovereign clouds).",
    )(command)
