"""Rebuild a ``TraceResult`` from a ``netlogs.trace/v1`` document, naming the bad field on error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from enum import Enum
from typing import Any, NoReturn, TypeVar

from netlogs.errors import InputError
from netlogs.model import (
    LOG_SETTING_DIAGNOSTIC,
    LOG_SETTING_FLOW_LOG,
    RULE_ASSUMED,
    RULE_FROM_TOPOLOGY,
    RULE_GIVEN,
    DailyRows,
    EngineRecord,
    EvidenceRow,
    FlowResult,
    Gap,
    GapKind,
    HopKind,
    HopStatus,
    InputFile,
    LedgerEntry,
    LogFamily,
    LogSetting,
    ObservedHop,
    PredictedFix,
    PrivateEndpointRef,
    QueryRecord,
    SetAsideReason,
    SourceStatus,
    SourceSummary,
    TimeWindow,
    TraceResult,
    VaultOutcome,
    VaultSummary,
    Verdict,
)

SCHEMA = "netlogs.trace/v1"
E = TypeVar("E", bound=Enum)
T = TypeVar("T")


class _Reader:
    """A JSON object plus where it sits in the document, for error messages."""

    def __init__(self, data: object, where: str, origin: str) -> None:
        self.origin = origin
        self.where = where
        if not isinstance(data, dict):
            self.fail(f"expected an object, got {_kind(data)}")
        self.data: dict[str, Any] = data

    def fail(self, problem: str, key: str | None = None) -> NoReturn:
        field = f"{self.where}.{key}" if key else self.where
        raise InputError(f"{self.origin}: field {field}: {problem}")

    def get(self, key: str, kind: type[T] | tuple[type, ...], *, optional: bool = False) -> Any:
        if key not in self.data:
            if optional:
                return None
            self.fail("missing", key)
        value = self.data[key]
        if value is None and optional:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(f"expected {_name(kind)}, got {_kind(value)}", key)
        return value

    def text(self, key: str, *, default: str | None = None) -> str:
        if default is not None and key not in self.data:
            return default
        return str(self.get(key, str))

    def enum(self, key: str, kind: type[E]) -> E:
        raw = self.get(key, str)
        try:
            return kind(raw)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in kind)
            self.fail(f"unknown value {raw!r} (expected one of: {allowed})", key)

    def time(self, key: str, *, optional: bool = False) -> datetime | None:
        raw = self.get(key, str, optional=optional)
        if raw is None:
            return None
        try:
            moment = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith("Z") else raw)
        except ValueError:
            self.fail(f"not an ISO-8601 time: {raw!r}", key)
        if moment.tzinfo is None:
            self.fail(f"time {raw!r} has no time zone (expected ...Z)", key)
        return moment.astimezone(timezone.utc)

    def items(
        self, key: str, build: Callable[[_Reader], T], *, optional: bool = False
    ) -> tuple[T, ...]:
        values = self.get(key, list, optional=optional) or []
        return tuple(
            build(_Reader(v, f"{self.where}.{key}[{i}]", self.origin)) for i, v in enumerate(values)
        )

    def child(self, key: str) -> _Reader:
        return _Reader(self.get(key, dict), f"{self.where}.{key}", self.origin)

    def counts(self, key: str) -> dict[str, int]:
        raw = self.get(key, dict)
        for name, n in raw.items():
            if not isinstance(n, int) or isinstance(n, bool):
                self.fail(f"count for {name!r} is {_kind(n)}, expected an integer", key)
        return dict(raw)


def trace_result_from_dict(data: object, *, origin: str = "trace result") -> TraceResult:
    """The inverse of ``trace_result_to_dict``; ``origin`` (a file name) prefixes errors."""
    doc = _Reader(data, "$", origin)
    schema = doc.get("schema", str)
    if schema != SCHEMA:
        doc.fail(f"unsupported schema {schema!r} (expected {SCHEMA!r})", "schema")
    window = doc.child("window")
    start, end = window.time("start"), window.time("end")
    assert start is not None and end is not None  # not optional: time() raised otherwise
    if end <= start:
        window.fail("end is not after start", "end")
    return TraceResult(
        vault=_vault(doc.child("vault")),
        window=TimeWindow(start, end),
        sources=doc.items("sources", _source),
        flows=doc.items("flows", _flow),
        gaps=doc.items("gaps", _gap),
        queries=doc.items("queries", _query),
        ledger=doc.items("ledger", _ledger, optional=True),
        inputs=doc.items("inputs", _input, optional=True),
        topology_sha256=doc.get("topology_sha256", str, optional=True) or "",
        netlogs_version=doc.get("netlogs_version", str, optional=True) or "",
        generated_at=doc.time("generated_at", optional=True),
        engine=_engine(doc) if doc.get("engine", dict, optional=True) is not None else None,
        fixes=doc.items("fixes", _fix, optional=True),
        log_settings=doc.items("log_settings", _log_setting, optional=True),
    )


def _engine(doc: _Reader) -> EngineRecord:
    r = doc.child("engine")
    return EngineRecord(
        name=r.text("name"),
        target=r.text("target", default=""),
        query_sha256=r.text("query_sha256", default=""),
        daily_rows=r.items("daily_rows", _daily_rows, optional=True),
    )


def _daily_rows(r: _Reader) -> DailyRows:
    day = r.time("day")
    assert day is not None  # not optional: a missing time fails above
    return DailyRows(day=day, table=r.text("table"), rows=r.get("rows", int))


def _vault(r: _Reader) -> VaultSummary:
    return VaultSummary(
        name=r.text("name"),
        private_endpoints=r.items("private_endpoints", _endpoint),
        public_network_access=r.text("public_network_access"),
        required_firewall=r.get("required_firewall", str, optional=True),
        # absent from documents written before the rule's source was recorded
        required_firewall_source=_rule_source(r),
        required_firewall_note=r.text("required_firewall_note", default=""),
    )


def _rule_source(r: _Reader) -> str:
    source = r.get("required_firewall_source", str, optional=True) or ""
    if source not in ("", RULE_GIVEN, RULE_FROM_TOPOLOGY, RULE_ASSUMED):
        r.fail(
            f"unknown value {source!r} (expected one of: {RULE_GIVEN}, {RULE_FROM_TOPOLOGY}, "
            f"{RULE_ASSUMED})",
            "required_firewall_source",
        )
    return str(source)


def _endpoint(r: _Reader) -> PrivateEndpointRef:
    return PrivateEndpointRef(name=r.text("name"), ip=r.text("ip"), subnet=r.text("subnet"))


def _source(r: _Reader) -> SourceSummary:
    rows = r.get("rows", int)
    summary = SourceSummary(
        family=r.enum("family", LogFamily),
        table=r.text("table"),
        rows=rows,
        status=r.enum("status", SourceStatus),
        detail=r.text("detail", default=""),
    )
    if "read" not in r.data:  # a result written before the row ledger: every row was used
        return replace(summary, read=rows, used=rows)
    set_aside = r.counts("set_aside")
    known = {reason.value for reason in SetAsideReason}
    for reason in set_aside:
        if reason not in known:
            r.fail(f"unknown reason {reason!r} (expected one of: {', '.join(sorted(known))})",
                   "set_aside")
    read, used = r.get("read", int), r.get("used", int)
    if read != used + sum(set_aside.values()):
        r.fail(f"the ledger does not add up: read {read} != used {used} + set aside", "read")
    return replace(summary, read=read, used=used, set_aside=tuple(sorted(set_aside.items())))


def _flow(r: _Reader) -> FlowResult:
    return FlowResult(
        client_ip=r.text("client_ip"),
        client=r.get("client", str, optional=True),
        verdict=r.enum("verdict", Verdict),
        cause=r.text("cause"),
        violation=r.get("violation", bool),
        vault_outcome=r.enum("vault_outcome", VaultOutcome),
        requests=r.get("requests", int),
        http_status=r.counts("http_status"),
        operations=r.counts("operations"),
        first_seen=r.time("first_seen", optional=True),
        last_seen=r.time("last_seen", optional=True),
        expected_path=r.items("expected_path", _hop),
        evidence=r.items("evidence", _evidence),
        snat_candidates=tuple(_strings(r, "snat_candidates")),
        evidence_omitted=r.get("evidence_omitted", int, optional=True) or 0,
    )


def _hop(r: _Reader) -> ObservedHop:
    return ObservedHop(
        hop=r.enum("hop", HopKind),
        name=r.text("name"),
        detail=r.text("detail"),
        status=r.enum("status", HopStatus),
    )


def _evidence(r: _Reader) -> EvidenceRow:
    moment = r.time("time")
    assert moment is not None
    return EvidenceRow(
        source=r.enum("source", LogFamily),
        table=r.text("table"),
        row=r.text("row"),
        time=moment,
        summary=r.text("summary"),
    )


def _gap(r: _Reader) -> Gap:
    return Gap(
        kind=r.enum("kind", GapKind),
        message=r.text("message"),
        clients=tuple(_strings(r, "clients")),
        next_step=r.text("next_step", default=""),
    )


def _fix(r: _Reader) -> PredictedFix:
    return PredictedFix(
        client_ip=r.text("client_ip"),
        client=r.get("client", str, optional=True),
        changes=tuple(_strings(r, "changes")),
        description=r.text("description", default=""),
        az_commands=tuple(_strings(r, "az_commands")),
        predicted_path=r.text("predicted_path", default=""),
        predicted_verdict=r.text("predicted_verdict", default=""),
        affected=tuple(_strings(r, "affected_clients")),
        note=r.text("note", default=""),
    )


def _log_setting(r: _Reader) -> LogSetting:
    kind = r.text("kind")
    if kind not in (LOG_SETTING_DIAGNOSTIC, LOG_SETTING_FLOW_LOG):
        r.fail(
            f"unknown value {kind!r} (expected one of: {LOG_SETTING_DIAGNOSTIC}, "
            f"{LOG_SETTING_FLOW_LOG})",
            "kind",
        )
    return LogSetting(
        kind=kind,
        resource=r.text("resource"),
        name=r.text("name"),
        categories=tuple(_strings(r, "categories")),
        destination=r.text("destination"),
        enabled=bool(r.get("enabled", bool)),
        retention_days=r.get("retention_days", int, optional=True),
        traffic_analytics_interval_min=r.get("traffic_analytics_interval_min", int, optional=True),
    )


def _query(r: _Reader) -> QueryRecord:
    return QueryRecord(
        name=r.text("name"),
        kql=r.text("kql"),
        sha256=r.text("sha256"),
        timespan=r.text("timespan"),
        workspace=r.text("workspace"),
    )


def _ledger(r: _Reader) -> LedgerEntry:
    start, end = r.time("start"), r.time("end")
    assert start is not None and end is not None
    server_ms = r.get("server_time_ms", (int, float), optional=True)
    return LedgerEntry(
        template=r.text("template"),
        workspace=r.text("workspace"),
        start=start,
        end=end,
        rows=r.get("rows", int),
        status=r.enum("status", SourceStatus),
        server_time_ms=None if server_ms is None else float(server_ms),
        query_sha256=r.text("query_sha256"),
        detail=r.text("detail", default=""),
    )


def _input(r: _Reader) -> InputFile:
    return InputFile(
        path=r.text("path"),
        sha256=r.text("sha256"),
        detected_format=r.text("detected_format"),
        rows=r.get("rows", int),
    )


def _strings(r: _Reader, key: str) -> list[str]:
    values = r.get(key, list, optional=True) or []
    for i, value in enumerate(values):
        if not isinstance(value, str):
            r.fail(f"item {i} is {_kind(value)}, expected a string", key)
    return values


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), f"a {type(value).__name__}")


def _name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    words = {
        str: "a string",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "an object",
        bool: "a boolean",
    }
    return " or ".join(words.get(k, k.__name__) for k in kinds)
