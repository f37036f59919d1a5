"""Typed option values: durations, UTC times, time zones and choices, checked while click parses.

A bad value is a ``ConfigError`` naming the option (one ``Error:`` line, exit 2, the same text
as before the types existed), not click's usage block. The parsers are imported on first use so
``netlogs --help`` stays light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import click


def option_name(param: click.Parameter | None) -> str:
    """The long spelling of an option (``--output`` for ``-o/--output/--format``)."""
    if param is None:
        return "value"
    names = [name for name in param.opts if name.startswith("--")] or list(param.opts)
    return names[0] if names else str(param.name)


class Duration(click.ParamType[timedelta]):
    """``30m``, ``2h``, ``1h30m``, ``7d`` as a ``timedelta`` (zero only when ``allow_zero``)."""

    name = "duration"

    def __init__(self, allow_zero: bool = False) -> None:
        self.allow_zero = allow_zero

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        if isinstance(value, timedelta):
            return value
        from netlogs.pipeline.window import parse_duration

        return parse_duration(str(value), option_name(param), allow_zero=self.allow_zero)


class UtcTime(click.ParamType[datetime]):
    """An ISO-8601 time (``Z``, an offset, or none meaning UTC) as an aware UTC ``datetime``."""

    name = "iso"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        from netlogs.pipeline.window import parse_utc

        return parse_utc(str(value), option_name(param))


class TimeZone(click.ParamType[str]):
    """An IANA time zone name: a typo must not go unnoticed because no local-time file was read."""

    name = "zone"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from netlogs.errors import ConfigError

        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{option_name(param)} {value!r}: unknown time zone"
                " (use an IANA name such as Europe/Amsterdam)"
            ) from None
        return str(value)


class Choice(click.Choice[str]):
    """``click.Choice`` (help and shell completion list the values) whose refusal is one
    ``Error: --option 'value': use a, b or c`` line; ``aliases`` map other accepted spellings."""

    def __init__(
        self, choices: Sequence[str], advice: str, aliases: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(choices)
        self.advice = advice
        self.aliases = dict(aliases or {})

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        from netlogs.errors import ConfigError

        name = self.aliases.get(str(value), str(value))
        if name in self.choices:
            return name
        raise ConfigError(f"{option_name(param)} {value!r}: {self.advice}")
