"""Verdict rules (contract.md §5): per-client facts from correlation -> ``FlowResult``s and gaps.

Entry point ``judge_flows(correlated, context) -> (flows, gaps)``. Each rule in
``netlogs.verdicts.rules`` is a small pure function with a docstring saying what it checks.
"""

from netlogs.verdicts.judge import judge_flows, vault_outcome
from netlogs.verdicts.rules import RULES, decide
from netlogs.verdicts.situation import ClientFacts, Decision, Situation

__all__ = [
    "RULES",
    "ClientFacts",
    "Decision",
    "Situation",
    "decide",
    "judge_flows",
    "vault_outcome",
]
