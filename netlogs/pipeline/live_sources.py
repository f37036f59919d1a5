"""`--workspace ID` (the workspaces given, no discovery), signed in the way discovery is.

Discovery and the workspace mode share one sign-in: ``netlogs.azure.credential.sign_in`` builds
``DefaultAzureCredential`` and fetches the one token of the run before any parallel work, so a
missing or expired sign-in is one ``AuthError`` saying to run ``az login``, with the library's
warnings silenced. The source, the kusto executor and ``netlogs fetch`` then reuse that token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netlogs.azure.clouds import resolve_cloud
from netlogs.azure.credential import sign_in
from netlogs.sources.log_analytics import LogAnalyticsSource


def workspace_source(
    workspaces: Sequence[str],
    *,
    cloud: str | None = None,
    credential: Any | None = None,
    **settings: Any,
) -> LogAnalyticsSource:
    """A Log Analytics source over ``workspaces``, already signed in for the query API of
    ``cloud`` (default AzureCloud) unless the caller brings its own ``credential``;
    ``settings`` are ``LogAnalyticsSource``'s other arguments.

    Raises:
        AuthError: no sign-in, or an expired one (one line: run ``az login``).
        ConfigError: an unknown cloud, a bad ``NETLOGS_*_ENDPOINT`` or ``AZURE_TOKEN_CREDENTIALS``.
    """
    resolved = resolve_cloud(cloud)
    if settings.get("endpoint") is None:  # NETLOGS_LOGS_ENDPOINT, as for discovery
        settings["endpoint"] = resolved.logs_endpoint
    if credential is None:
        credential = sign_in(resolved, scope=resolved.logs_scope)
    return LogAnalyticsSource(workspaces, credential=credential, cloud=resolved.name, **settings)
