"""A route under construction, before Active/Invalid is decided (shared by the modules that
build a subnet's candidate routes)."""

from __future__ import annotations

from netlogs.model import Confidence


class Candidate:
    """A route under construction (mutable state and reason are filled in by table.py)."""

    __slots__ = (
        "confidence",
        "length",
        "name",
        "network",
        "next_hop_ips",
        "next_hop_type",
        "prefix",
        "reason",
        "source",
        "state",
        "tag",
    )

    def __init__(
        self,
        source: str,
        prefix: tuple[int, int],
        text: str,
        next_hop_type: str,
        *,
        next_hop_ips: tuple[str, ...] = (),
        name: str = "",
        confidence: Confidence = Confidence.HIGH,
        tag: bool = False,
    ) -> None:
        self.source = source
        self.network, self.length = prefix
        self.prefix = text
        self.next_hop_type = next_hop_type
        self.next_hop_ips = next_hop_ips
        self.name = name
        self.confidence = confidence
        self.reason = ""
        self.state = "Active"
        self.tag = tag  # UDR whose prefix came from a service tag (loses ties to explicit ones)


def copy_candidate(c: Candidate) -> Candidate:
    copy = Candidate(
        c.source, (c.network, c.length), c.prefix, c.next_hop_type,
        next_hop_ips=c.next_hop_ips, name=c.name, confidence=c.confidence, tag=c.tag,
    )
    copy.reason = c.reason
    return copy
