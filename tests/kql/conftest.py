"""Fixtures for the KQL tests: fixed parameter values and Microsoft's Kusto parser via node.

The parser runs in one node process per call over a whole batch of queries (loading the
language service takes ~0.2 s, a query ~1 ms), and the check of every template runs once per
session: ``template_diagnostics`` caches it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from netlogs import kql

KUSTO_DIR = Path(__file__).resolve().parents[1] / "kusto"
HARNESS = KUSTO_DIR / "kusto_check.js"
LANGUAGE_SERVICE = KUSTO_DIR / "node_modules" / "@kusto" / "language-service-next"

# One fixed value per standard parameter: the golden files are rendered with these.
GOLDEN_PARAMS: dict[str, object] = {
    "start": datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc),
    "end": datetime(2026, 11, 20, 12, 30, 15, 123456, tzinfo=timezone.utc),
    "vault_name": "kv-contoso-prod",
    "vault_fqdn": "kv-contoso-prod.vault.azure.net",
    "private_endpoint_ips": ["10.20.1.4", "10.21.1.4"],
    "vault_public_ips": ["52.160.10.20"],
    "client_ips": ["10.30.0.4", "10.30.0.5"],
    "firewall_names": ["fw-hub-weu"],
}

# Fragments that break naive escaping: quote styles, escapes, comments, pipes, KQL string
# prefixes, multi-line quotes, bidi overrides, zero-width and line-separator characters, NUL.
HOSTILE_FRAGMENTS = [
    "'",
    '"',
    "\\",
    "\\'",
    "''",
    "\n",
    "\r\n",
    "\t",
    "|",
    "| take 1",
    "//",
    "/*",
    "*/",
    ";",
    "@'",
    "h'",
    "```",
    "~~~",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u00a0",
    "\u3000",
    "é",
    "ß",
    "日本",
    "😀",
    "\U000e0001",
    "\ue000",
    "\\u0041",
    "\\x41",
    "\\0",
    "{{ start }}",
    "dynamic([",
    "])",
]

HOSTILE_TEXT = st.lists(
    st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(max_size=6)), max_size=8
).map("".join)


@pytest.fixture
def hostile_fragments() -> list[str]:
    return list(HOSTILE_FRAGMENTS)


@pytest.fixture
def hostile_text() -> st.SearchStrategy[str]:
    """Strings assembled from HOSTILE_FRAGMENTS and arbitrary text."""
    return HOSTILE_TEXT


KustoRun = Callable[[Sequence[Mapping[str, object]]], list[dict[str, Any]]]


def _heavy_checks_required() -> bool:
    return os.environ.get("NETLOGS_REQUIRE_HEAVY_CHECKS") == "1" or os.environ.get("CI") == "true"


@pytest.fixture
def kusto(heavy_tool: Callable[[str, str], str]) -> KustoRun:
    """``kusto(queries)``: run the Kusto parser over ``[{"id", "text", "shape"?, "tree"?}]``.

    Queries are analysed against the documented schemas in ``kql/schemas/tables.json``. Skips
    locally when node or the npm package is missing; fails in CI (scripts/test.sh installs them).
    """
    node = heavy_tool("node", "Kusto parser checks of the KQL templates")
    if not LANGUAGE_SERVICE.is_dir():
        message = f"{LANGUAGE_SERVICE} is missing: run 'npm ci' in {KUSTO_DIR}"
        if _heavy_checks_required():
            pytest.fail(message)
        pytest.skip(message)
    tables = kql.load_table_schemas()

    def run(queries: Sequence[Mapping[str, object]]) -> list[dict[str, Any]]:
        request = json.dumps({"tables": tables, "queries": list(queries)})
        done = subprocess.run(
            [node, str(HARNESS)],
            input=request.encode("utf-8"),
            capture_output=True,
            cwd=KUSTO_DIR,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        answer = json.loads(done.stdout)
        assert answer["parser"] == "@kusto/language-service-next@12.4.1"
        results: list[dict[str, Any]] = answer["results"]
        return results

    return run


@pytest.fixture
def golden_params() -> dict[str, object]:
    """The fixed parameter values the golden files are rendered with."""
    return dict(GOLDEN_PARAMS)


@pytest.fixture(scope="session")
def _session_cache() -> dict[str, object]:
    return {}


@pytest.fixture
def template_diagnostics(
    kusto: KustoRun, _session_cache: dict[str, object]
) -> dict[str, list[dict[str, Any]]]:
    """Template name → Kusto diagnostics of the template rendered with ``GOLDEN_PARAMS``."""
    if "templates" not in _session_cache:
        queries = [
            {"id": t.name, "text": kql.render_query(t, kql.params_for(t, GOLDEN_PARAMS))}
            for t in kql.list_templates()
        ]
        _session_cache["templates"] = {r["id"]: r["diagnostics"] for r in kusto(queries)}
    cached: dict[str, list[dict[str, Any]]] = _session_cache["templates"]  # type: ignore[assignment]
    return cached
