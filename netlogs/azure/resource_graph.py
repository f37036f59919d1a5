"""Azure Resource Graph through ``azure-mgmt-resourcegraph``: every page of one query.

The SDK does not page by itself: the same query is resent with the answer's ``$skipToken`` until
none comes back (1,000 rows a page). The service allows about 15 queries per 5 seconds per user
and says how many are left in ``x-ms-user-quota-remaining``; at zero we wait the
``x-ms-user-quota-resets-after`` it gives, because azure-core retries a throttled POST only when
the answer carries ``Retry-After``.
"""

# ruff: noqa: PLC0415  (azure is imported lazily: `netlogs --help` never loads it)

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from netlogs.azure.arm import error_from_exception, pipeline_policies
from netlogs.azure.clouds import Cloud
from netlogs.errors import AzureRequestError

PAGE_SIZE = 1000
MAX_QUOTA_WAIT_S = 60.0


@dataclass
class GraphAnswer:
    """Every row of one query and how many round trips it took."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    round_trips: int = 0


class ResourceGraph:
    def __init__(
        self,
        credential: Any,
        cloud: Cloud,
        verify: str | bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from azure.mgmt.resourcegraph import ResourceGraphClient

        options: dict[str, Any] = {}
        if verify is not None:
            from azure.core.pipeline.transport import RequestsTransport

            options["transport"] = RequestsTransport(connection_verify=verify)
        self._client: Any = ResourceGraphClient(
            credential,
            base_url=cloud.arm_endpoint,
            credential_scopes=[cloud.arm_scope],
            policies=pipeline_policies(credential, cloud.arm_scope),
            **options,
        )
        self._sleep = sleep
        self.round_trips = 0

    def query(self, kql: str, subscriptions: Sequence[str] = ()) -> GraphAnswer:
        """All rows of ``kql`` (objectArray), paged.

        Raises:
            AzureRequestError: the service refused the query or a page (status and code kept).
        """
        from azure.core.exceptions import AzureError, HttpResponseError
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        answer = GraphAnswer()
        token: str | None = None
        while True:
            request = QueryRequest(
                subscriptions=list(subscriptions) or None,
                query=kql,
                options=QueryRequestOptions(
                    skip_token=token, top=PAGE_SIZE, result_format="objectArray"
                ),
            )
            try:
                result: Any = self._client.resources(
                    request, cls=lambda response, body, _: (body, response.http_response.headers)
                )
            except HttpResponseError as exc:
                raise error_from_exception(exc, "Azure Resource Graph") from None
            except AzureError as exc:
                raise AzureRequestError(f"Azure Resource Graph: {exc}".splitlines()[0]) from None
            page, headers = result
            answer.round_trips += 1
            self.round_trips += 1
            answer.rows.extend(row for row in page.data or [] if isinstance(row, dict))
            token = page.skip_token
            if str(page.result_truncated).lower() == "true" and not token:
                raise AzureRequestError(
                    "Azure Resource Graph cut the answer short without a $skipToken "
                    f"({len(answer.rows)} of {page.total_records} rows)",
                    code="ResultTruncated",
                )
            if not token:
                return answer
            self._pace(headers)

    def _pace(self, headers: Any) -> float:
        """Wait for the quota window to reset when no query is left in it."""
        remaining = headers.get("x-ms-user-quota-remaining")
        if remaining is None or not str(remaining).strip().isdigit() or int(remaining) > 0:
            return 0.0
        wait = min(_seconds(headers.get("x-ms-user-quota-resets-after")), MAX_QUOTA_WAIT_S)
        self._sleep(wait)
        return wait

    def close(self) -> None:
        self._client.close()


def _seconds(text: Any) -> float:
    """``hh:mm:ss`` -> seconds (5 s, the documented window, when unreadable)."""
    try:
        hours, minutes, seconds = (float(part) for part in str(text).split(":"))
    except ValueError:
        return 5.0
    return hours * 3600 + minutes * 60 + seconds
