"""One local HTTPS server standing in for Azure: ARM, Resource Graph, Log Analytics query API.

- ``GET /subscriptions`` lists the subscriptions the identity can read;
- ``GET {resourceId}/providers/Microsoft.Insights/diagnosticSettings`` answers ``{"value": [...]}``
  (404 ``ResourceNotFound`` for a resource the estate does not have);
- ``GET {resourceId}`` answers the resource as ARM does (workspaces, flow logs, ...);
- ``POST /providers/Microsoft.ResourceGraph/resources`` runs the request's KQL over a
  ``Resources`` table (the estate, limited to the request's subscriptions) and pages the answer
  1,000 rows at a time with ``$skipToken``; every answer carries the quota headers;
- ``POST /v1/workspaces/{customerId}/query`` runs the KQL over that workspace's tables (a table
  the workspace lacks is the service's 400 ``SEM0100``; no rows is 204). The request's
  ``timespan`` is recorded but not applied: every netlogs template bounds ``TimeGenerated`` itself.

Queries are executed by ``fake_kql`` (duckdb-kql), never pattern-matched. ``faults`` are scripted
answers served before the normal ones (429 + Retry-After, 403 AuthorizationFailed, ...): each is
``(predicate, Reply)`` and is used once. TLS comes from a throw-away CA (``tests.local_tls``)
whose file is ``ca_file`` (point ``REQUESTS_CA_BUNDLE``/``SSL_CERT_FILE`` at it).
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fake_azure.fake_kql import KqlEngine, UnknownTableError
from tests.local_tls import HttpsServer, LocalCa

PAGE = 1000
GRAPH = "graph"  # the Resource Graph database in the engine
RESOURCE_COLUMNS = {
    "id": "string",
    "name": "string",
    "type": "string",
    "tenantId": "string",
    "kind": "string",
    "location": "string",
    "resourceGroup": "string",
    "subscriptionId": "string",
    "managedBy": "string",
    "sku": "dynamic",
    "tags": "dynamic",
    "properties": "dynamic",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    params: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Fault = tuple[Callable[[Request], bool], Reply]


class FakeAzure:
    """Context manager; ``base_url`` (ARM and Resource Graph), ``logs_endpoint``, ``ca_file``."""

    def __init__(
        self,
        workdir: Path,
        resources: Sequence[Mapping[str, Any]],
        diagnostic_settings: Mapping[str, list[dict[str, Any]]],
        subscriptions: Sequence[Mapping[str, Any]],
        engine: KqlEngine,
        *,
        ca: LocalCa | None = None,
    ) -> None:
        self.resources = {str(r["id"]).lower(): dict(r) for r in resources}
        self.settings = dict(diagnostic_settings)
        self.subscriptions = list(subscriptions)
        self.engine = engine
        engine.add_rows(GRAPH, "Resources", RESOURCE_COLUMNS, list(self.resources.values()))
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.quota = 15  # x-ms-user-quota-remaining of the next Resource Graph answer
        self._lock = threading.Lock()
        tls = ca or LocalCa(workdir, "fake-azure-ca.pem")
        self.ca_file = tls.ca_file
        self._server = HttpsServer(_handler(self), tls)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def logs_endpoint(self) -> str:
        return self.base_url

    def __enter__(self) -> FakeAzure:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def fail_once(self, predicate: Callable[[Request], bool], reply: Reply) -> None:
        self.faults.append((predicate, reply))

    def graph_requests(self) -> list[Request]:
        return [r for r in self.requests if "Microsoft.ResourceGraph" in r.path]

    def query_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.startswith("/v1/workspaces/")]

    # ------------------------------------------------------------------ routing

    def answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            for index, (predicate, reply) in enumerate(self.faults):
                if predicate(request):
                    del self.faults[index]
                    return reply
        path = request.path.rstrip("/")
        if (
            request.method == "POST"
            and path.lower() == "/providers/microsoft.resourcegraph/resources"
        ):
            return self._graph(request)
        if request.method == "POST" and path.startswith("/v1/workspaces/"):
            return self._logs(path.split("/")[3], request)
        if request.method == "GET" and path.lower() == "/subscriptions":
            return Reply(200, {"value": self.subscriptions})
        if request.method == "GET" and path.lower().endswith(
            "/providers/microsoft.insights/diagnosticsettings"
        ):
            owner = path[: -len("/providers/microsoft.insights/diagnosticsettings")]
            if owner.lower() not in self.resources:
                return _arm_error(404, "ResourceNotFound", f"The Resource '{owner}' was not found.")
            return Reply(200, {"value": self.settings.get(owner.lower(), [])})
        if request.method == "GET" and path.lower() in self.resources:
            return Reply(200, self.resources[path.lower()])
        return _arm_error(404, "ResourceNotFound", f"The Resource '{path}' was not found.")

    def _graph(self, request: Request) -> Reply:
        body = request.body
        scopes = [s.lower() for s in body.get("subscriptions") or []]
        options = body.get("options") or {}
        if options.get("resultFormat", "objectArray") != "objectArray":
            return _arm_error(400, "BadRequest", "the fake answers objectArray only")
        try:
            columns, rows = self.engine.run(GRAPH, _scoped(body["query"], scopes))
        except Exception as exc:  # what the service calls InvalidQuery
            return _arm_error(400, "BadRequest", f"Query is invalid: {str(exc).splitlines()[0]}")
        start = _offset(options.get("$skipToken"))
        page = rows[start : start + min(int(options.get("$top") or PAGE), PAGE)]
        data = [dict(zip([c for c, _ in columns], row, strict=True)) for row in page]
        result: dict[str, Any] = {
            "totalRecords": len(rows),
            "count": len(data),
            "resultTruncated": "false",
            "facets": [],
            "data": data,
        }
        if start + len(page) < len(rows):
            result["$skipToken"] = base64.b64encode(str(start + len(page)).encode()).decode()
        with self._lock:
            remaining, self.quota = self.quota, max(self.quota - 1, 0)
        headers = {
            "x-ms-user-quota-remaining": str(max(remaining - 1, 0)),
            "x-ms-user-quota-resets-after": "00:00:01",
        }
        return Reply(200, result, headers)

    def _logs(self, workspace: str, request: Request) -> Reply:
        if workspace not in self.engine.databases():
            return Reply(
                404,
                {
                    "error": {
                        "code": "PathNotFoundError",
                        "message": f"workspace {workspace} not found",
                    }
                },
            )
        try:
            columns, rows = self.engine.run(workspace, str(request.body["query"]))
        except UnknownTableError as exc:
            return Reply(400, _semantic_error(str(exc)))
        if not rows:
            return Reply(204)
        dynamic = [i for i, (_, kind) in enumerate(columns) if kind == "dynamic"]
        for row in rows:
            for i in dynamic:
                row[i] = None if row[i] is None else json.dumps(row[i])
        return Reply(
            200,
            {
                "tables": [
                    {
                        "name": "PrimaryResult",
                        "columns": [{"name": n, "type": t} for n, t in columns],
                        "rows": rows,
                    }
                ],
                "statistics": {"query": {"executionTime": 0.01}},
            },
        )


def _scoped(query: str, subscriptions: list[str]) -> str:
    """Resource Graph answers only for the subscriptions asked for."""
    if not subscriptions:
        return query
    listed = ", ".join(f"'{s}'" for s in subscriptions)
    head, _, rest = query.partition("|")
    table = head.strip()
    scoped = f"{table} | where tolower(subscriptionId) in ({listed})"
    return f"{scoped} | {rest}" if rest else scoped


def _offset(token: Any) -> int:
    return int(base64.b64decode(str(token)).decode()) if token else 0


def _arm_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}})


def forbidden_arm(scope: str, action: str) -> Reply:
    return _arm_error(
        403,
        "AuthorizationFailed",
        f"The client 'netlogs-test' with object id '00000000-0000-0000-0000-000000000001' does "
        f"not have authorization to perform action '{action}' over scope '{scope}' or the scope "
        "is invalid. If access was recently granted, please refresh your credentials.",
    )


def forbidden_logs(workspace: str) -> Reply:
    return Reply(
        403,
        {
            "error": {
                "message": "The provided credentials have insufficient access to perform "
                "the requested operation",
                "code": "InsufficientAccessError",
                "innererror": {
                    "code": "AuthorizationFailedError",
                    "message": f"User does not have access to workspace {workspace}",
                },
            }
        },
    )


def throttled(retry_after: int = 1) -> Reply:
    return Reply(
        429,
        {
            "error": {
                "code": "RateLimiting",
                "message": "Client application has been throttled",
                "details": [],
            }
        },
        {"Retry-After": str(retry_after)},
    )


def _semantic_error(message: str) -> dict[str, Any]:
    table = message.split("name ", 1)[-1].split(" ", 1)[0]
    return {
        "error": {
            "message": "The request had some invalid properties",
            "code": "BadArgumentError",
            "innererror": {
                "code": "SemanticError",
                "message": "A semantic error occurred.",
                "innererror": {
                    "code": "SEM0100",
                    "message": "'where' operator: Failed to "
                    f"resolve table or column expression named '{table}'",
                },
            },
        }
    }


def _handler(fake: FakeAzure) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            request = Request(
                method,
                unquote(url.path),
                {k: v[0] for k, v in parse_qs(url.query).items()},
                {k.lower(): v for k, v in self.headers.items()},
                json.loads(raw) if raw else {},
            )
            reply = fake.answer(request)
            if reply.delay:
                time.sleep(reply.delay)
            payload = (
                b""
                if reply.body is None or reply.status == 204
                else (json.dumps(reply.body).encode())
            )
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if payload:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if payload:
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler
