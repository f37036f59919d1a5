"""One line per log source saying what happened to its rows (the row ledger), for every format."""

from __future__ import annotations

from netlogs.model import LOG_SETTING_FLOW_LOG, LogSetting, SourceStatus, SourceSummary, TraceResult

LOG_SETTING_HEADERS = (
    "Kind", "Resource", "Setting", "State", "Categories", "Destination", "Retention",
    "Traffic Analytics",
)


def source_name(source: SourceSummary) -> str:
    """``firewall AZFWNetworkRule`` (a missing family has no table)."""
    return f"{source.family.value} {source.table}".rstrip()


def ledger_text(source: SourceSummary) -> str:
    """``read 120, used 118, set aside 2 (malformed_address 2)``."""
    aside = sum(rows for _, rows in source.set_aside)
    text = f"read {source.read}, used {source.used}, set aside {aside}"
    if source.set_aside:
        text += " (" + ", ".join(f"{why} {rows}" for why, rows in source.set_aside) + ")"
    return text


def ledger_line(source: SourceSummary) -> str:
    """The source's name, its ledger, and its status unless complete, e.g.
    ``firewall AZFWNetworkRule: read 120, used 118, set aside 2 (malformed_address 2) — partial``.

    A complete source shows no status; any other status is named, as are its reasons.
    """
    line = f"{source_name(source)}: {ledger_text(source)}"
    if source.status is not SourceStatus.COMPLETE:
        line += f" — {source.status.value}"
    return line


def sorted_sources(result: TraceResult) -> list[SourceSummary]:
    return sorted(result.sources, key=lambda s: (s.family.value, s.table, s.status.value))


def log_setting_cells(setting: LogSetting) -> tuple[str, ...]:
    """One discovered diagnostic setting or flow log, a cell per ``LOG_SETTING_HEADERS``."""
    flow_log = setting.kind == LOG_SETTING_FLOW_LOG
    categories = ", ".join(setting.categories) or ("-" if flow_log else "none enabled")
    days = setting.retention_days
    interval = setting.traffic_analytics_interval_min
    return (
        setting.kind,
        setting.resource,
        setting.name,
        "on" if setting.enabled else "off",
        categories,
        setting.destination,
        "-" if days is None else f"{days} d",
        f"every {interval} min" if interval is not None else ("off" if flow_log else "-"),
    )


def log_setting_line(setting: LogSetting) -> str:
    """``diagnostic setting diag-kv of kv-contoso-prod: on, AuditEvent -> workspace law-x
    (resource-specific tables), retention 90 d``."""
    kind, resource, name, state, categories, destination, days, interval = (
        log_setting_cells(setting)
    )
    of = "on" if setting.kind == LOG_SETTING_FLOW_LOG else "of"
    line = f"{kind} {name} {of} {resource}: {state}"
    if setting.kind != LOG_SETTING_FLOW_LOG:
        line += f", {categories}"
    line += f" -> {destination}"
    if days != "-":
        line += f", retention {days}"
    if setting.kind == LOG_SETTING_FLOW_LOG:
        line += f", Traffic Analytics {interval}"
    return line
