"""What if the network were configured differently? Changes to a topology, and the search for
the smallest one that makes a violating client's path pass the required firewall.

Built only on the public path API (``netlogs.paths.expected_path``) and ``dataclasses.replace``
on the frozen topology types: the model itself is never modified, only re-run.
"""

from netlogs.whatif.az import RESOURCE_GROUP, RESOURCE_GROUP_NOTE, az_commands
from netlogs.whatif.changes import Change, apply_change, apply_changes, describe, parse_change
from netlogs.whatif.search import PREDICTED, candidates, passes, predicted_fixes, smallest_fix

__all__ = [
    "PREDICTED",
    "RESOURCE_GROUP",
    "RESOURCE_GROUP_NOTE",
    "Change",
    "apply_change",
    "apply_changes",
    "az_commands",
    "candidates",
    "describe",
    "parse_change",
    "passes",
    "predicted_fixes",
    "smallest_fix",
]
