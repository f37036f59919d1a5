"""Flow logs that go only to a storage account: download the blobs of the window.

VNet and NSG flow logs are written as hourly ``PT1H.json`` blobs under ``.../y=YYYY/m=MM/d=DD/
h=HH/m=00/macAddress=.../`` (the hour the records were received). The layout of the prefix
differs between accounts, so the names are listed under the container and the hour is read from
each name, never rebuilt. The blobs are written to a local folder with the same relative paths,
so the offline reader (`FileSource`) reads them with its usual filters.
"""

# ruff: noqa: PLC0415  (azure is imported lazily: `netlogs --help` never loads it)

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from netlogs.errors import AzureRequestError

VNET_FLOW_CONTAINER = "insights-logs-flowlogflowevent"
NSG_FLOW_CONTAINER = "insights-logs-networksecuritygroupflowevent"
_HOUR = re.compile(r"/y=(\d{4})/m=(\d{2})/d=(\d{2})/h=(\d{2})/", re.IGNORECASE)
# A blob holds what arrived in its hour: records of the window may land an hour later.
_SLACK = timedelta(hours=1)


def blob_hour(name: str) -> datetime | None:
    match = _HOUR.search(f"/{name}")
    if match is None:
        return None
    year, month, day, hour = (int(part) for part in match.groups())
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


def download_flow_blobs(
    credential: Any,
    account_url: str,
    container: str,
    name_part: str,
    *,
    window: tuple[datetime, datetime],
    destination: Path,
) -> list[Path]:
    """Download the blobs of ``container`` whose name contains ``name_part`` (the flow log's
    name, case-insensitive) and whose hour overlaps the window; their local paths.

    Raises:
        AzureRequestError: listing or reading refused (403: Storage Blob Data Reader) or failed.
    """
    from azure.core.exceptions import AzureError, HttpResponseError
    from azure.storage.blob import ContainerClient

    start, end = window[0] - _SLACK, window[1] + _SLACK
    client = ContainerClient(account_url, container, credential=credential)
    saved: list[Path] = []
    try:
        for blob in client.list_blobs():
            hour = blob_hour(blob.name)
            wanted = name_part.lower() in blob.name.lower()
            if not wanted or hour is None or not start <= hour < end:
                continue
            target = destination / container / blob.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(client.download_blob(blob.name).readall())
            saved.append(target)
    except HttpResponseError as exc:
        status = int(getattr(exc, "status_code", 0) or 0)
        code = getattr(exc, "error_code", "") or ""
        code = str(getattr(code, "value", code))
        role = f" (needs Storage Blob Data Reader on {account_url})" if status in (401, 403) else ""
        raise AzureRequestError(
            f"reading blobs of {container}: HTTP {status} {code}{role}",
            status=status,
            code=str(code),
            resource=account_url,
        ) from None
    except AzureError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AzureRequestError(
            f"{account_url}{container}: {first[:200]}", resource=account_url
        ) from None
    finally:
        client.close()
    return saved
