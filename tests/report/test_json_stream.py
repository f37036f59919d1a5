"""The trace document written flow by flow must be the very text of the plain-values path.

``trace_json_chunks`` (what ``--json FILE`` streams) writes cited rows and path hops with
templates; ``trace_result_to_dict`` + ``json.dumps(indent=2, ensure_ascii=False)`` is the
referee. Log fields are attacker-controlled, so the strings here are the awkward ones.
"""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.json_schemas import TRACE_V1, schema_errors
from netlogs.model import (
    EvidenceRow,
    FlowResult,
    HopKind,
    HopStatus,
    LogFamily,
    ObservedHop,
    TraceResult,
    VaultOutcome,
    Verdict,
)
from netlogs.report.json import dumps_trace_result, trace_json_chunks, trace_result_to_dict
from netlogs.report.json_text import dumps_indented

AWKWARD = [
    '"quoted"',
    "back\\slash\\",
    "ctl\x00\x01\x1f\x7f\t\n\r",
    "é ü 中文 🙂",
    "</script><script>alert(1)</script>",
    "\u2028\u2029 line separators",
    "lone \udc80 surrogate",
    "",
    " ",
]
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
PLUS_TWO = timezone(timedelta(hours=2))


class Tagged(str):
    """A str subclass: not what the model promises, so it takes the slow path (same text)."""


def referee(result: TraceResult) -> str:
    text = json.dumps(trace_result_to_dict(result), indent=2, ensure_ascii=False, allow_nan=False)
    return text + "\n"


def streamed(result: TraceResult) -> str:
    return "".join(trace_json_chunks(result))


def test_the_sample_result_is_the_same_text_both_ways(sample_result: TraceResult) -> None:
    assert streamed(sample_result) == referee(sample_result)
    assert dumps_trace_result(sample_result) == referee(sample_result)
    assert dumps_indented(trace_result_to_dict(sample_result)) + "\n" == referee(sample_result)


def test_the_hostile_result_is_the_same_text_both_ways(hostile_result: TraceResult) -> None:
    assert streamed(hostile_result) == referee(hostile_result)


def test_no_flows_is_an_empty_array(sample_result: TraceResult) -> None:
    empty = dataclasses.replace(sample_result, flows=())
    assert '"flows": [],' in streamed(empty)
    assert streamed(empty) == referee(empty)


def _awkward_flow(index: int, pick: random.Random) -> FlowResult:
    """Rows in shuffled order, ties in time, times in other zones and on whole seconds."""
    base = T0 + timedelta(seconds=index)
    rows = []
    for n in range(pick.randrange(0, 40)):
        moment = base + timedelta(microseconds=pick.choice([0, 1, 999_999, 5 * n]))
        if index % 7 == 3:
            moment = moment.astimezone(PLUS_TWO)  # the per-moment formatter
        text = pick.choice(AWKWARD) + pick.choice(AWKWARD)
        rows.append(
            EvidenceRow(
                pick.choice(list(LogFamily)),
                pick.choice(["AZKVAuditLogs", "AZFWNetworkRule", text]),
                Tagged(f"row:{n}") if n == 5 else f"row:{n % 3}",  # ties beyond the time
                moment,
                Tagged(text) if n == 7 else text,
            )
        )
    pick.shuffle(rows)
    hops = tuple(
        ObservedHop(
            pick.choice(list(HopKind)),
            pick.choice(AWKWARD),
            Tagged(pick.choice(AWKWARD)) if h == 2 else pick.choice(AWKWARD),
            pick.choice(list(HopStatus)),
        )
        for h in range(pick.randrange(0, 5))
    )
    return FlowResult(
        client_ip=f"10.{index % 3}.{index % 250}.{index % 7}",
        client=pick.choice([None, *AWKWARD]),
        verdict=pick.choice(list(Verdict)),
        cause=pick.choice(AWKWARD),
        violation=bool(index % 2),
        vault_outcome=pick.choice(list(VaultOutcome)),
        requests=index,
        http_status={pick.choice(AWKWARD): 1, "200": index} if index % 4 else {},
        operations={"SecretGet": index, pick.choice(AWKWARD): 2},
        first_seen=base if index % 5 else None,
        last_seen=base.astimezone(PLUS_TWO) if index % 5 else None,
        expected_path=hops,
        evidence=tuple(rows),
        snat_candidates=("10.2.1.4", "10.2.1.10", "10.2.1.9")[: index % 4],
        evidence_omitted=index % 3,
    )


def test_a_large_awkward_result_is_the_same_text_both_ways(sample_result: TraceResult) -> None:
    pick = random.Random(20261207)
    flows = tuple(_awkward_flow(i, pick) for i in range(600))
    result = dataclasses.replace(sample_result, flows=flows)
    chunks = list(trace_json_chunks(result))
    assert "".join(chunks) == referee(result)
    # written in pieces: no piece is the document (the point of streaming it)
    assert len(chunks) > 10
    assert max(map(len, chunks)) < len("".join(chunks)) / 4
    assert sum(len(f.evidence) for f in flows) > 10_000
    assert not schema_errors(json.loads("".join(chunks)), TRACE_V1)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.text(), min_size=6, max_size=6),
    micro=st.integers(min_value=0, max_value=999_999),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_any_log_text_is_escaped_as_json_dumps_does(
    texts: list[str], micro: int, offset_minutes: int
) -> None:
    from tests.report.conftest import make_result

    moment = T0.replace(microsecond=micro).astimezone(timezone(timedelta(minutes=offset_minutes)))
    base = make_result().flows[0]
    flow = dataclasses.replace(
        base,
        client=texts[0],
        cause=texts[1],
        expected_path=(ObservedHop(HopKind.FIREWALL, texts[2], texts[3], HopStatus.OBSERVED),),
        evidence=(
            EvidenceRow(LogFamily.FIREWALL, texts[4], texts[5], moment, texts[0]),
            EvidenceRow(LogFamily.DNS, texts[5], texts[4], T0, texts[1]),
        ),
    )
    result = make_result(flows=(flow,))
    assert streamed(result) == referee(result)
