"""ARM GETs through azure-core: diagnostic settings, single resources, the subscription list.

Diagnostic settings are not in Resource Graph: one GET per resource. azure-mgmt-monitor 7.0.0
lost its ``diagnostic_settings`` operations, so the endpoint is called directly. The pipeline is
read-only on purpose: it leaves out the policy that registers resource providers on a
``MissingSubscriptionRegistration`` answer (a write).
"""

# ruff: noqa: PLC0415  (azure is imported lazily: `netlogs --help` never loads it)

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from netlogs.azure.clouds import Cloud
from netlogs.errors import AzureRequestError

DIAGNOSTIC_SETTINGS_API = "2021-05-01-preview"
SUBSCRIPTIONS_API = "2022-12-01"


def pipeline_policies(credential: Any, scope: str, retry_total: int = 3) -> list[Any]:
    """The azure-core policies every control-plane call uses (auth, retries, proxy, ids)."""
    from azure.core.pipeline import policies
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

    return [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy(),
        policies.UserAgentPolicy(sdk_moniker="netlogs"),
        policies.ProxyPolicy(),  # HTTPS_PROXY / NO_PROXY
        policies.ContentDecodePolicy(),
        policies.RetryPolicy(retry_total=retry_total, retry_backoff_max=30),
        ARMChallengeAuthenticationPolicy(credential, scope),
    ]


class ArmClient:
    """GET JSON from ARM; errors become ``AzureRequestError`` naming the resource."""

    def __init__(self, credential: Any, cloud: Cloud, verify: str | bool | None = None) -> None:
        from azure.mgmt.core import ARMPipelineClient

        options: dict[str, Any] = {}
        if verify is not None:
            from azure.core.pipeline.transport import RequestsTransport

            options["transport"] = RequestsTransport(connection_verify=verify)
        self._client: Any = ARMPipelineClient(
            base_url=cloud.arm_endpoint,
            policies=pipeline_policies(credential, cloud.arm_scope),
            **options,
        )
        self.cloud = cloud

    def get(self, path: str, api_version: str) -> Any:
        from azure.core.exceptions import AzureError
        from azure.core.rest import HttpRequest

        url = self.cloud.arm_endpoint + quote(path, safe="/")
        request = HttpRequest("GET", url, params={"api-version": api_version})
        try:
            response = self._client.send_request(request)
        except AzureError as exc:
            raise AzureRequestError(
                f"{path}: cannot reach Azure Resource Manager at {self.cloud.arm_endpoint} "
                f"({_first_line(exc)})",
                resource=path,
            ) from None
        if response.status_code != 200:
            raise _error(path, response.status_code, response.text())
        return response.json()

    def diagnostic_settings(self, resource_id: str) -> list[dict[str, Any]]:
        """The resource's diagnostic settings in the ARM shape (``properties`` nested)."""
        path = f"{resource_id}/providers/Microsoft.Insights/diagnosticSettings"
        body = self.get(path, DIAGNOSTIC_SETTINGS_API)
        values = body.get("value") if isinstance(body, dict) else body
        return [v for v in values or [] if isinstance(v, dict)]

    def subscriptions(self) -> list[dict[str, Any]]:
        body = self.get("/subscriptions", SUBSCRIPTIONS_API)
        return [v for v in body.get("value") or [] if isinstance(v, dict)]

    def close(self) -> None:
        self._client.close()


def _error(resource: str, status: int, text: str) -> AzureRequestError:
    """Azure's error envelopes: ``{"error": {code, message}}`` or a bare ``{code, message}``."""
    try:
        body = json.loads(text) if text.strip() else {}
    except ValueError:
        body = {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    code = str(error.get("code") or "") if isinstance(error, dict) else ""
    message = str(error.get("message") or "") if isinstance(error, dict) else ""
    summary = message.splitlines()[0][:300] if message else f"HTTP {status}"
    return AzureRequestError(
        f"{resource}: HTTP {status} {code}: {summary}".replace("  ", " "),
        status=status,
        code=code,
        resource=resource,
    )


def error_from_exception(exc: Any, resource: str) -> AzureRequestError:
    """An azure-core ``HttpResponseError`` as an ``AzureRequestError``."""
    response = getattr(exc, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    try:
        text = response.text() if response is not None else ""
    except Exception:  # a body that cannot be read leaves the status
        text = ""
    if status:
        return _error(resource, status, text)
    return AzureRequestError(f"{resource}: {_first_line(exc)}", resource=resource)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:200]
