"""Find the vault the user named: by name, by host name (``NAME.vault.azure.net`` and the
sovereign-cloud suffixes) or by resource id, in what Resource Graph returned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from netlogs.errors import ConfigError
from netlogs.kql import kql_literal

KEY_VAULT_TYPE = "microsoft.keyvault/vaults"
_VAULT_HOST_SUFFIXES = (".vault.azure.net", ".vault.usgovcloudapi.net", ".vault.azure.cn")


@dataclass(frozen=True)
class VaultRef:
    """What the user typed, understood: exactly one of ``name`` / ``resource_id`` is set."""

    text: str
    name: str = ""
    resource_id: str = ""

    def describe(self) -> str:
        if self.resource_id:
            return f"resource id {self.resource_id}"
        if self.text != self.name:
            return f"host name {self.text} (vault {self.name!r})"
        return f"name {self.name!r}"


def parse_vault_ref(text: str) -> VaultRef:
    """``kv-x``, ``kv-x.vault.azure.net``, ``https://kv-x.vault.azure.net/`` or an ARM id."""
    value = text.strip()
    if not value:
        raise ConfigError("--vault: give the vault's name, host name or resource id")
    if value.lower().startswith("/subscriptions/"):
        if "/providers/microsoft.keyvault/vaults/" not in value.lower():
            raise ConfigError(f"--vault {value}: not a Key Vault resource id")
        return VaultRef(value, resource_id=value.rstrip("/"))
    host = value.split("//", 1)[-1].split("/", 1)[0].lower()
    for suffix in _VAULT_HOST_SUFFIXES:
        if host.endswith(suffix):
            return VaultRef(value, name=host[: -len(suffix)])
    return VaultRef(value, name=value)


def vault_query(ref: VaultRef) -> str:
    """The Resource Graph query for the vault (names compared case-insensitively)."""
    if ref.resource_id:
        match = f"id =~ {kql_literal(ref.resource_id, 'string')}"
    else:
        match = f"name =~ {kql_literal(ref.name, 'string')}"
    return (
        f"Resources | where type =~ {kql_literal(KEY_VAULT_TYPE, 'string')} and {match} "
        "| project id, name, type, location, resourceGroup, subscriptionId, properties "
        "| order by id asc"
    )


def pick_vault(rows: Sequence[dict[str, Any]], ref: VaultRef, searched: str) -> dict[str, Any]:
    """The one vault row; ``searched`` says where we looked (for the not-found message).

    Raises:
        ConfigError: no vault, or several (the candidates are listed).
    """
    found = [r for r in rows if str(r.get("type", "")).lower() == KEY_VAULT_TYPE]
    if not found:
        raise ConfigError(
            f"--vault {ref.text}: no Key Vault with {ref.describe()} in {searched} (Resource "
            "Graph shows only what the identity can read: it needs Reader on the vault)"
        )
    if len(found) > 1:
        listed = "; ".join(str(r.get("id")) for r in found)
        raise ConfigError(
            f"--vault {ref.text}: {len(found)} Key Vaults match; give the resource id or "
            f"--subscription: {listed}"
        )
    return found[0]
