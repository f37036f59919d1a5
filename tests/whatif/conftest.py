"""Makes the topology-T builder (tests/routing/topology_t.py) importable as ``topology_t``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[1] / "routing" / "topology_t.py"
if "topology_t" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("topology_t", _PATH)
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["topology_t"] = _module
    _spec.loader.exec_module(_module)
