"""The shared vocabulary: verdicts, statuses, hop kinds, log families, reasons, the time window.

Enumerations and one interval type that every layer speaks, kept below ``evidence_types`` and
``model`` (which re-exports all of them: ``from netlogs.model import Verdict`` stays the usual
spelling).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from operator import attrgetter
from typing import Literal


class Verdict(str, Enum):
    """Per-flow answer; see contract.md §5."""

    REACHED_VIA_FIREWALL = "REACHED_VIA_FIREWALL"
    REACHED_BYPASSING_FIREWALL = "REACHED_BYPASSING_FIREWALL"
    REACHED_VIA_SERVICE_ENDPOINT = "REACHED_VIA_SERVICE_ENDPOINT"
    REACHED_VIA_PUBLIC_ENDPOINT = "REACHED_VIA_PUBLIC_ENDPOINT"
    BLOCKED_BY_FIREWALL = "BLOCKED_BY_FIREWALL"
    BLOCKED_BY_VAULT_NETWORK_RULES = "BLOCKED_BY_VAULT_NETWORK_RULES"
    NOT_REACHED = "NOT_REACHED"
    NOT_YET_OBSERVABLE = "NOT_YET_OBSERVABLE"
    INCONCLUSIVE = "INCONCLUSIVE"

    @property
    def is_undecided(self) -> bool:
        return self in (Verdict.INCONCLUSIVE, Verdict.NOT_YET_OBSERVABLE)


class HopStatus(str, Enum):
    """How well the logs show one hop of the expected path."""

    OBSERVED = "observed"
    NOT_OBSERVED = "not_observed"
    UNOBSERVABLE = "unobservable"
    NOT_COVERED = "not_covered"
    PENDING = "pending"


class HopKind(str, Enum):
    CLIENT = "client"
    UDR = "udr"
    FIREWALL = "firewall"
    PRIVATE_ENDPOINT = "private_endpoint"
    SERVICE_ENDPOINT = "service_endpoint"
    PUBLIC_ENDPOINT = "public_endpoint"
    GATEWAY = "gateway"
    PEERING = "peering"
    VAULT = "vault"
    DROP = "drop"
    DESTINATION = "destination"  # a non-vault destination reached (paths to a plain IP)


class Confidence(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class VaultOutcome(str, Enum):
    SERVED = "served"
    DENIED_AUTH = "denied_auth"
    DENIED_NETWORK = "denied_network"
    NONE = "none"


class SourceStatus(str, Enum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    MISSING = "missing"
    PENDING = "pending"


class SetAsideReason(str, Enum):
    """Why a row that was read is not used (the row ledger: read = used + set aside)."""

    MISSING_COLUMN = "missing_column"
    UNPARSEABLE = "unparseable"  # the line/row/message could not be understood
    TRUNCATED = "truncated"  # the file ends inside a row
    UNPARSEABLE_TIME = "unparseable_time"
    OUT_OF_RANGE_TIME = "out_of_range_time"
    MALFORMED_ADDRESS = "malformed_address"
    DUPLICATE = "duplicate"  # the same row was already read (e.g. two copies of one export)
    OUTSIDE_WINDOW = "outside_window"
    OTHER_VAULT = "other_vault"
    UNRELATED = "unrelated"  # traffic that does not concern the vault or the clients asked for

    @property
    def hides_evidence(self) -> bool:
        """A row set aside for this reason could have been evidence: its source is partial."""
        return self not in (
            SetAsideReason.DUPLICATE,
            SetAsideReason.OUTSIDE_WINDOW,
            SetAsideReason.OTHER_VAULT,
            SetAsideReason.UNRELATED,
        )


class LogFamily(str, Enum):
    KEYVAULT = "keyvault"
    FIREWALL = "firewall"
    FLOW = "flow"
    DNS = "dns"


class GapKind(str, Enum):
    COVERAGE = "coverage"
    MODEL_VS_OBSERVED = "model_vs_observed"
    LATENCY = "latency"
    PARTIAL_DATA = "partial_data"
    SNAT_AMBIGUOUS = "snat_ambiguous"
    UNPARSED_ROWS = "unparsed_rows"
    TOPOLOGY = "topology"  # a construct the model does not evaluate, or a reference outside it


class BypassKind(str, Enum):
    """The classic ways traffic to a private endpoint avoids the firewall (paths.py names them)."""

    PRIVATE_ENDPOINT_ROUTE = "private_endpoint_route"  # PE /32 InterfaceEndpoint active
    SERVICE_ENDPOINT_ROUTE = "service_endpoint_route"  # SE prefix beats a 0/0 UDR
    PEERING_ROUTE = "peering_route"  # directly peered VNet route beats a 0/0 UDR
    GATEWAY_ROUTE = "gateway_route"  # more specific BGP route beats the UDR
    GATEWAY_SUBNET_EXACT_32 = "gateway_subnet_exact_32"  # /32 UDR on GatewaySubnet may "lie"
    ASYMMETRIC_RETURN = "asymmetric_return"  # firewall without SNAT to a PE: reply bypasses it
    PUBLIC_ENDPOINT = "public_endpoint"  # name resolves to the public endpoint
    OTHER_FIREWALL = "other_firewall"  # passes a firewall, but not the one the design names
    THIRD_PARTY_APPLIANCE = "third_party_appliance"  # a non-Azure-Firewall NVA / ILB instead
    UDR_VNET_LOCAL = "udr_vnet_local"  # a UDR to VnetLocal sends it straight to the endpoint


# --------------------------------------------------------------------------- time


@dataclass(frozen=True)
class TimeWindow:
    """An absolute UTC interval, resolved once at the entry point."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeWindow needs timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError("TimeWindow end must be after start")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


TimePrecision = Literal["seconds", "milliseconds", "microseconds"]
_NO_OFFSET = timedelta(0)
_FRACTION_DIGITS = {"milliseconds": 3, "microseconds": 6}


def utc_text(moment: datetime, precision: TimePrecision) -> str:
    """``moment`` in ISO-8601 UTC with ``Z``, the one way netlogs writes a time.

    ``seconds``: ``2026-11-20T10:00:22Z`` (any fraction dropped). ``milliseconds`` and
    ``microseconds``: the fraction, truncated to 3 or 6 digits, when the moment has one
    (``2026-11-20T10:00:22.196077Z``), none for a whole second, as the query API and the
    reports have always written them.

    Raises:
        ValueError: a naive datetime (nothing says which zone it is in).
    """
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone")
    if moment.utcoffset() != _NO_OFFSET:
        moment = moment.astimezone(timezone.utc)
    if precision == "microseconds" and moment.year >= 1000:
        # isoformat is C and several times faster (reports write every cited row's time)
        return moment.isoformat()[:-6] + "Z"  # "+00:00" -> "Z"
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    digits = _FRACTION_DIGITS.get(precision)
    if digits is None or not moment.microsecond:
        return text + "Z"
    return f"{text}.{moment.microsecond // 10 ** (6 - digits):0{digits}d}Z"


def utc_texts(moments: Sequence[datetime], precision: TimePrecision) -> list[str]:
    """``utc_text`` of each moment, in order: the same text, faster for the many cited rows of
    a report. When every moment is a plain ``datetime`` in UTC (what the log readers make), the
    formatting runs in C (``isoformat``) without a Python-level check per moment.

    Raises:
        ValueError: a naive datetime.
    """
    if (
        precision == "microseconds"
        and moments
        and set(map(type, moments)) == {datetime}
        and set(map(_TZINFO, moments)) == {timezone.utc}
        and min(moments).year >= 1000
    ):
        return [text[:-6] + "Z" for text in map(datetime.isoformat, moments)]  # "+00:00"
    return [utc_text(moment, precision) for moment in moments]


_TZINFO = attrgetter("tzinfo")
