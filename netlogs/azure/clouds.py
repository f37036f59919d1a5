"""Which endpoints and token scopes a cloud uses, and the environment overrides.

``NETLOGS_ARM_ENDPOINT`` replaces the ARM and Resource Graph base URL (the token scope stays the
cloud's, so a proxy or private endpoint in front of ARM still gets ARM tokens);
``NETLOGS_LOGS_ENDPOINT`` replaces the Log Analytics query API host.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from netlogs.errors import ConfigError


@dataclass(frozen=True)
class Cloud:
    name: str
    arm_endpoint: str  # ARM and Resource Graph, no trailing slash
    arm_scope: str
    logs_endpoint: str  # Log Analytics query API host (``/v1`` follows)
    vault_suffix: str  # Key Vault host names end with it
    logs_scope: str = ""  # the Log Analytics token scope (not moved by NETLOGS_LOGS_ENDPOINT)


CLOUDS = {
    "AzureCloud": Cloud(
        "AzureCloud",
        "https://management.azure.com",
        "https://management.azure.com/.default",
        "https://api.loganalytics.io",
        ".vault.azure.net",
        "https://api.loganalytics.io/.default",
    ),
    "AzureUSGovernment": Cloud(
        "AzureUSGovernment",
        "https://management.usgovcloudapi.net",
        "https://management.core.usgovcloudapi.net/.default",
        "https://api.loganalytics.us",
        ".vault.usgovcloudapi.net",
        "https://api.loganalytics.us/.default",
    ),
    "AzureChinaCloud": Cloud(
        "AzureChinaCloud",
        "https://management.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/.default",
        "https://api.loganalytics.azure.cn",
        ".vault.azure.cn",
        "https://api.loganalytics.azure.cn/.default",
    ),
}


def resolve_cloud(name: str | None, environ: Mapping[str, str] | None = None) -> Cloud:
    """The named cloud (default AzureCloud) with the ``NETLOGS_*_ENDPOINT`` overrides applied.

    Raises:
        ConfigError: an unknown cloud name, or an override that is not an https URL.
    """
    env = os.environ if environ is None else environ
    key = name or "AzureCloud"
    cloud = next((c for n, c in CLOUDS.items() if n.lower() == key.lower()), None)
    if cloud is None:
        raise ConfigError(f"--cloud {key}: unknown cloud (use {', '.join(CLOUDS)})")
    arm = env.get("NETLOGS_ARM_ENDPOINT", "").strip()
    logs = env.get("NETLOGS_LOGS_ENDPOINT", "").strip()
    for variable, value in (("NETLOGS_ARM_ENDPOINT", arm), ("NETLOGS_LOGS_ENDPOINT", logs)):
        if value and not value.lower().startswith("https://"):
            raise ConfigError(f"{variable}={value}: must be an https:// URL")
    return replace(
        cloud,
        arm_endpoint=(arm or cloud.arm_endpoint).rstrip("/"),
        logs_endpoint=(logs or cloud.logs_endpoint).rstrip("/").removesuffix("/v1"),
    )
