"""Which firewall the design requires, when nobody said: read it from the routes.

``--require-firewall NAME`` always wins and ``--require-firewall none`` turns the rule off.
Without it, every modelled path from the client subnets of the vault's private-endpoint VNets
to the vault is walked; when each one meets exactly one Azure Firewall, and it is the same one,
that firewall is assumed, and every output says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlogs.errors import NoPathError
from netlogs.paths import expected_path
from netlogs.topology.model import Topology

_NOT_CLIENT_SUBNETS = {"azurefirewallsubnet", "gatewaysubnet", "azurebastionsubnet"}


@dataclass(frozen=True)
class FirewallRule:
    """The design rule a trace uses: ``firewall`` None means no firewall is required."""

    firewall: str | None
    assumed: bool = False  # read from the routes, not given by the user
    note: str = ""  # what every output says first, when assumed or not found
    turned_off: bool = False  # `--require-firewall none`

    @property
    def option(self) -> str | None:
        """What the trace is asked to require: the firewall, ``none`` or nothing."""
        return "none" if self.turned_off else self.firewall


def choose_firewall(topology: Topology, vault: str, given: str | None) -> FirewallRule:
    """The user's choice, else the one firewall every client path of the PE VNets meets."""
    if given is not None:
        if given.strip().lower() == "none":
            return FirewallRule(None, turned_off=True)
        return FirewallRule(given)
    subnets = client_subnets(topology, vault)
    met: set[str] = set()
    for subnet in subnets:
        try:
            path = expected_path(topology, subnet, vault)
        except NoPathError:
            return FirewallRule(None, note=_undecided(f"{subnet} cannot be placed"))
        if len(path.firewalls) != 1:
            why = "no firewall" if not path.firewalls else f"{len(path.firewalls)} firewalls"
            return FirewallRule(None, note=_undecided(f"the path from {subnet} meets {why}"))
        met.update(path.firewalls)
    if len(met) != 1:
        return FirewallRule(
            None,
            note=_undecided(
                "no client subnet" if not met else f"paths meet {', '.join(sorted(met))}"
            ),
        )
    firewall = met.pop()
    return FirewallRule(
        firewall,
        assumed=True,
        note=f"assumed from the routes: traffic must pass {firewall} (every modelled path from "
        f"{', '.join(subnets)} meets it; --require-firewall NAME|none to change)",
    )


def client_subnets(topology: Topology, vault: str) -> list[str]:
    """Subnets of the VNets holding the vault's private endpoints that can hold clients."""
    endpoints = [p for p in topology.private_endpoints if p.target == vault]
    endpoint_vnets = {p.subnet.split("/", 1)[0] for p in endpoints}
    endpoint_subnets = {p.subnet for p in endpoints}
    with_clients = {c.subnet for c in topology.clients if c.subnet}
    result = []
    for vnet in topology.vnets:
        if vnet.name not in endpoint_vnets:
            continue
        for subnet in vnet.subnets:
            if subnet.name.lower() in _NOT_CLIENT_SUBNETS:
                continue
            if subnet.ref in endpoint_subnets and subnet.ref not in with_clients:
                continue  # holds the endpoint itself, no client
            result.append(subnet.ref)
    return sorted(result)


def _undecided(why: str) -> str:
    return (
        f"no design rule: the firewall could not be read from the routes ({why}); "
        "give --require-firewall NAME"
    )
