"""Discovery: pure functions from what Azure returned to a Topology and a LogPlan."""
