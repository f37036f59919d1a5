"""No bypass, NOT_REACHED or clean verdict rests on a partial source (issue #13): per family."""

from __future__ import annotations

from types import ModuleType

import pytest

from netlogs.model import LogFamily, SourceStatus, Verdict

VM = "10.2.1.4"


def statuses(b: ModuleType, **changes: SourceStatus) -> dict[LogFamily, SourceStatus]:
    result = dict(b.ALL_COMPLETE)
    result.update({LogFamily(k): v for k, v in changes.items()})
    return result


def served(b: ModuleType, minutes: float = 5, **extra: object) -> dict[str, object]:
    return {"time": b.at(minutes), "caller_ip": VM, **extra}


def allow(b: ModuleType, minutes: float = 4, **extra: object) -> dict[str, object]:
    return {"time": b.at(minutes), "src_ip": VM, "src_port": 50432, **extra}


def _cases(b: ModuleType) -> dict[str, tuple[object, object, object, Verdict]]:
    """name -> (kv rows, firewall rows, flow rows, the verdict with every source complete)."""
    denied = served(
        b,
        caller_ip=VM,
        http_status=403,
        error_code="ForbiddenByFirewall",
        private_endpoint_id=None,
    )
    nsg_deny = {"time_start": b.at(3), "src_ip": VM, "decision": "denied", "flow_state": "D"}
    return {
        "via_firewall": (
            b.kv_rows([served(b)]),
            b.fw_rows([allow(b)]),
            None,
            Verdict.REACHED_VIA_FIREWALL,
        ),
        "bypass": (
            b.kv_rows([served(b)]),
            b.fw_rows([allow(b, src_ip="10.2.9.9")]),
            None,
            Verdict.REACHED_BYPASSING_FIREWALL,
        ),
        "fw_blocked": (
            None,
            b.fw_rows([allow(b, action="Deny")]),
            None,
            Verdict.BLOCKED_BY_FIREWALL,
        ),
        "vault_blocked": (b.kv_rows([denied]), None, None, Verdict.BLOCKED_BY_VAULT_NETWORK_RULES),
        "not_reached_fw": (None, b.fw_rows([allow(b)]), None, Verdict.NOT_REACHED),
        "not_reached_nsg": (None, None, b.flow_rows([nsg_deny]), Verdict.NOT_REACHED),
    }


# (case, the partial family, the verdict then): a claim that needs that family's rows to be
# complete becomes INCONCLUSIVE; one proved by rows of other families stands.
EXPECTED = [
    ("via_firewall", "keyvault", Verdict.INCONCLUSIVE),  # a set-aside request may be uncovered
    ("via_firewall", "firewall", Verdict.REACHED_VIA_FIREWALL),  # the Allow row proves it
    ("via_firewall", "flow", Verdict.REACHED_VIA_FIREWALL),
    ("bypass", "firewall", Verdict.INCONCLUSIVE),  # the covering Allow may be set aside
    ("bypass", "keyvault", Verdict.REACHED_BYPASSING_FIREWALL),  # proved by the vault's rows
    ("bypass", "flow", Verdict.REACHED_BYPASSING_FIREWALL),
    ("fw_blocked", "keyvault", Verdict.INCONCLUSIVE),  # a set-aside request may have arrived
    ("fw_blocked", "firewall", Verdict.BLOCKED_BY_FIREWALL),  # the Deny rows prove it
    ("fw_blocked", "flow", Verdict.BLOCKED_BY_FIREWALL),
    ("vault_blocked", "keyvault", Verdict.INCONCLUSIVE),  # a set-aside request may have passed
    ("vault_blocked", "firewall", Verdict.BLOCKED_BY_VAULT_NETWORK_RULES),
    ("not_reached_fw", "keyvault", Verdict.INCONCLUSIVE),
    ("not_reached_fw", "flow", Verdict.NOT_REACHED),
    ("not_reached_nsg", "keyvault", Verdict.INCONCLUSIVE),
    ("not_reached_nsg", "flow", Verdict.NOT_REACHED),  # the deny row itself proves it
]


@pytest.mark.parametrize(("case", "family", "expected"), EXPECTED)
def test_a_partial_source_only_undoes_verdicts_that_rest_on_it(
    b: ModuleType, case: str, family: str, expected: Verdict
) -> None:
    kv, fw, flow_rows, complete = _cases(b)[case]
    flows, _ = b.judge(kv, fw, flow_rows)
    assert flows[VM].verdict is complete  # the case is what its name says
    flows, _ = b.judge(
        kv, fw, flow_rows, source_status=statuses(b, **{family: SourceStatus.PARTIAL})
    )
    assert flows[VM].verdict is expected
    if expected is Verdict.INCONCLUSIVE:
        assert "partial" in flows[VM].cause and flows[VM].violation is False


def test_the_cause_keeps_the_verdict_it_could_not_confirm(b: ModuleType) -> None:
    kv, fw, _, _ = _cases(b)["via_firewall"]
    flows, _ = b.judge(kv, fw, source_status=statuses(b, keyvault=SourceStatus.PARTIAL))
    cause = flows[VM].cause
    assert cause.startswith("REACHED_VIA_FIREWALL can't be confirmed: Key Vault logs are partial")
    assert cause.endswith("(fw-hub Allow records cover 1/1 request(s))")
