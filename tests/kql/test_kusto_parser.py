"""Every template and every hostile value, checked by Microsoft's Kusto parser (node harness).

The harness (tests/kusto/kusto_check.js) parses AND semantically analyses each query against the
documented schemas in kql/schemas/tables.json, so unknown tables and columns are errors too.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs import kql

NAMES = [t.name for t in kql.list_templates()]


def _errors(diagnostics: list[dict[str, Any]]) -> list[str]:
    return [
        f"{d['code']} {d['message']} at {d['start']}: {d['text']!r}"
        for d in diagnostics
        if d["severity"] == "Error"
    ]


@pytest.mark.kusto
@pytest.mark.parametrize("name", NAMES)
def test_template_has_no_syntax_or_schema_errors(
    name: str, template_diagnostics: dict[str, list[dict[str, Any]]]
) -> None:
    assert name in template_diagnostics
    assert _errors(template_diagnostics[name]) == []
    assert template_diagnostics[name] == [], "warnings too: keep the templates clean"


@pytest.mark.kusto
def test_harness_reports_unknown_columns_tables_and_syntax(
    kusto: Any, golden_params: dict[str, object]
) -> None:
    """Guards the guard: a broken template must produce errors, not an empty list."""
    template = kql.load_template("firewall_network_rules")
    good = kql.render_query(template, kql.params_for(template, golden_params))
    broken = {
        "column": good.replace("DestinationIp in", "DestinationIP in"),
        "table": good.replace("\nAZFWNetworkRule\n", "\nAZFWNetworkRules\n"),
        "syntax": good.replace("| where DestinationIp", "| wher DestinationIp"),
        "type": good.replace("SourceIp in (client_ips)", "SourcePort startswith 4"),
    }
    results = kusto([{"id": key, "text": text} for key, text in broken.items()])
    codes = {
        r["id"]: {d["code"] for d in r["diagnostics"] if d["severity"] == "Error"} for r in results
    }
    assert "KS142" in codes["column"]  # unknown name
    assert "KS204" in codes["table"]  # unknown table
    assert codes["syntax"] and codes["type"]


@pytest.mark.kusto
def test_coverage_probe_tolerates_missing_tables(
    kusto: Any, golden_params: dict[str, object]
) -> None:
    """union isfuzzy=true: a workspace without most tables gets warnings, never errors."""
    text = kql.render_query(
        "coverage_probe", {"start": golden_params["start"], "end": golden_params["end"]}
    )
    [result] = kusto([{"id": "probe", "text": text}])
    assert _errors(result["diagnostics"]) == []


# ----------------------------------------------------------------------------- injection

BENIGN = "benignvalue"


def _collect_hostile_values(fragments: list[str], text: st.SearchStrategy[str]) -> list[str]:
    values: list[str] = [*fragments, "".join(fragments)]

    @settings(max_examples=150, deadline=None, database=None)
    @given(text.filter(lambda v: v != BENIGN))
    def collect(value: str) -> None:
        values.append(value)

    collect()
    return values


def _queries_for(value: str, params: dict[str, object]) -> list[dict[str, object]]:
    """One string-parameter query and one list-parameter query holding ``value``."""
    kv = kql.render_query("keyvault_requests_azkvauditlogs", {**params, "vault_name": value})
    fw = kql.render_query(
        "firewall_legacy_messages",
        {
            **params,
            "vault_fqdn": value,
            "firewall_names": [value, "fw-b", value],
            "vault_name": "kv",
            "private_endpoint_ips": ["10.0.0.4"],
        },
    )
    return [{"id": "kv", "text": kv, "shape": True}, {"id": "fw", "text": fw, "shape": True}]


@pytest.mark.kusto
def test_hostile_values_stay_one_literal(
    kusto: Any,
    golden_params: dict[str, object],
    hostile_fragments: list[str],
    hostile_text: st.SearchStrategy[str],
) -> None:
    """Rendered with a hostile value, the query has the same syntax tree as with a benign one
    (string tokens compared by kind only), and the parser decodes the literal to the value."""
    window = {"start": golden_params["start"], "end": golden_params["end"]}
    values = _collect_hostile_values(hostile_fragments, hostile_text)
    queries = _queries_for(BENIGN, window)
    for index, value in enumerate(values):
        queries += [{**q, "id": f"{q['id']}:{index}"} for q in _queries_for(value, window)]
    texts = {str(q["id"]): str(q["text"]) for q in queries}
    results = {r["id"]: r for r in kusto(queries)}
    benign = {key: results[key]["shape"] for key in ("kv", "fw")}
    for key, shape in benign.items():
        assert shape["strings"].count(BENIGN) == (1 if key == "kv" else 3)
    for index, value in enumerate(values):
        for key in ("kv", "fw"):
            result = results[f"{key}:{index}"]
            # The parser tolerates raw line breaks inside quotes; Kusto's docs do not: the
            # rendered text must keep exactly the benign query's lines.
            assert texts[result["id"]].count("\n") == texts[key].count("\n"), (value, key)
            assert _errors(result["diagnostics"]) == [], (value, key)
            assert result["shape"]["digest"] == benign[key]["digest"], (value, key)
            expected = [value if s == BENIGN else s for s in benign[key]["strings"]]
            assert result["shape"]["strings"] == expected, (value, key)


NON_STRING_LITERALS: list[tuple[object, str, str]] = [
    (2**31 - 1, "int", "IntLiteralExpression"),
    (-(2**31), "int", "IntLiteralExpression"),
    (0, "long", "LongLiteralExpression"),
    (-(2**63), "long", "LongLiteralExpression"),
    (True, "bool", "BooleanLiteralExpression"),
    (timedelta(0), "timespan", "TimespanLiteralExpression"),
    (timedelta(days=2), "timespan", "TimespanLiteralExpression"),
    (timedelta(hours=5), "timespan", "TimespanLiteralExpression"),
    (timedelta(minutes=7), "timespan", "TimespanLiteralExpression"),
    (timedelta(seconds=61), "timespan", "TimespanLiteralExpression"),
    (timedelta(milliseconds=1500), "timespan", "TimespanLiteralExpression"),
    (timedelta(microseconds=123), "timespan", "TimespanLiteralExpression"),
    (timedelta(days=-3, microseconds=1), "timespan", "TimespanLiteralExpression"),
    (datetime(1, 1, 1, tzinfo=timezone.utc), "datetime", "DateTimeLiteralExpression"),
    (
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
        "datetime",
        "DateTimeLiteralExpression",
    ),
]


@pytest.mark.kusto
def test_non_string_literals_are_single_tokens(kusto: Any) -> None:
    """Negative numbers and timespans must not turn into unary minus on a literal."""
    texts = [kql.kql_literal(value, kind) for value, kind, _ in NON_STRING_LITERALS]
    queries = [{"id": text, "text": f"print v = {text}", "tree": True} for text in texts]
    for result, (_, _, expected) in zip(kusto(queries), NON_STRING_LITERALS, strict=True):
        assert _errors(result["diagnostics"]) == [], result["id"]
        expressions = [row[1] for row in result["tree"] if row[1].endswith("Expression")]
        assert expressions == ["SimpleNamedExpression", expected], result["id"]


@pytest.mark.kusto
def test_list_literals_parse_as_one_dynamic(kusto: Any) -> None:
    texts = [
        kql.kql_literal(["10.0.0.1", "2001:db8::1"], "dynamic[ip]"),
        kql.kql_literal(["10.0.0.0/8"], "dynamic[cidr]"),
        kql.kql_literal([1, -2, 2**40], "dynamic[long]"),
        kql.kql_literal([], "dynamic[string]"),
    ]
    queries = [{"id": text, "text": f"print v = {text}", "tree": True} for text in texts]
    for result in kusto(queries):
        assert _errors(result["diagnostics"]) == [], result["id"]
        kinds = [row[1] for row in result["tree"]]
        assert kinds.count("DynamicExpression") == 1, result["id"]
        assert "UnaryMinusExpression" not in kinds, result["id"]
