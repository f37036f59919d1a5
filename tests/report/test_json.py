"""The netlogs.trace/v1 document: canonical, byte-stable, and readable back."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from netlogs.errors import InputError
from netlogs.model import TraceResult, Verdict
from netlogs.report.json import (
    SCHEMA,
    dumps_trace_result,
    load_trace_result,
    trace_result_from_dict,
    trace_result_to_dict,
)


def test_document_has_the_contract_keys_and_summary(sample_result: TraceResult) -> None:
    doc = trace_result_to_dict(sample_result)
    assert doc["schema"] == SCHEMA == "netlogs.trace/v1"
    for key in ("vault", "window", "sources", "summary", "flows", "gaps", "queries"):
        assert key in doc
    assert doc["summary"]["flows"] == 9
    assert doc["summary"]["violations"] == 3
    assert doc["summary"]["inconclusive"] == 2  # INCONCLUSIVE + NOT_YET_OBSERVABLE
    assert doc["summary"]["by_verdict"] == {v.value: 1 for v in Verdict}
    assert list(doc["summary"]["by_verdict"]) == sorted(doc["summary"]["by_verdict"])
    flow = doc["flows"][0]
    assert set(flow) >= {
        "client_ip",
        "client",
        "verdict",
        "cause",
        "violation",
        "vault_outcome",
        "requests",
        "http_status",
        "operations",
        "first_seen",
        "last_seen",
        "expected_path",
        "evidence",
    }
    assert flow["expected_path"][0] == {
        "hop": "client",
        "name": "client",
        "detail": "VM NIC",
        "status": "observed",
    }
    assert doc["gaps"][0]["next_step"]  # extra key kept for the reports


def test_times_are_utc_with_z(sample_result: TraceResult) -> None:
    plus_two = timezone(timedelta(hours=2))
    result = dataclasses.replace(
        sample_result, generated_at=datetime(2026, 11, 20, 14, 5, 0, 250000, tzinfo=plus_two)
    )
    doc = trace_result_to_dict(result)
    assert doc["window"] == {"start": "2026-11-20T10:00:00Z", "end": "2026-11-20T12:00:00Z"}
    assert doc["generated_at"] == "2026-11-20T12:05:00.250000Z"
    assert all(e["time"].endswith("Z") for f in doc["flows"] for e in f["evidence"])


def test_same_result_in_any_order_gives_identical_bytes(sample_result: TraceResult) -> None:
    shuffled = dataclasses.replace(
        sample_result,
        flows=tuple(
            dataclasses.replace(f, evidence=tuple(reversed(f.evidence)))
            for f in reversed(sample_result.flows)
        ),
        gaps=tuple(reversed(sample_result.gaps)),
        sources=tuple(reversed(sample_result.sources)),
    )
    text = dumps_trace_result(sample_result)
    assert text == dumps_trace_result(shuffled)
    assert text.endswith("}\n")
    ips = [f["client_ip"] for f in json.loads(text)["flows"]]
    assert ips[:3] == ["10.2.1.4", "10.2.2.8", "10.3.1.5"]  # numeric, not text, IP order
    assert ips[-1] == "20.50.1.7"


def test_round_trip_rebuilds_the_same_result(sample_result: TraceResult) -> None:
    doc = trace_result_to_dict(sample_result)
    again = trace_result_from_dict(json.loads(json.dumps(doc)))
    assert trace_result_to_dict(again) == doc
    assert again.timeline is None  # charts re-render from the cited evidence

    def by_client(result: TraceResult) -> dict[str, object]:
        return {
            f.client_ip: dataclasses.replace(f, evidence=tuple(sorted(f.evidence, key=repr)))
            for f in result.flows
        }

    assert by_client(again) == by_client(sample_result)


def test_load_reads_a_saved_file(tmp_path: Path, sample_result: TraceResult) -> None:
    path = tmp_path / "result.json"
    path.write_text(dumps_trace_result(sample_result), encoding="utf-8")
    assert dumps_trace_result(load_trace_result(path)) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(schema="netlogs.trace/v0"), "$.schema"),
        (lambda d: d["flows"][1].update(verdict="MAYBE"), "$.flows[1].verdict"),
        (lambda d: d["flows"][0].pop("cause"), "$.flows[0].cause"),
        (lambda d: d["flows"][0].update(requests="many"), "$.flows[0].requests"),
        (lambda d: d["flows"][0]["http_status"].update({"200": "x"}), "$.flows[0].http_status"),
        (lambda d: d["window"].update(start="yesterday"), "$.window.start"),
        (lambda d: d["window"].update(end="2026-11-20T12:00:00"), "$.window.end"),
        (lambda d: d["gaps"][0].update(kind="weather"), "$.gaps[0].kind"),
        (
            lambda d: d["flows"][0]["evidence"][0].update(source="syslog"),
            "$.flows[0].evidence[0].source",
        ),
        (lambda d: d.update(vault=[]), "$.vault"),
    ],
)
def test_invalid_document_names_file_and_field(
    sample_result: TraceResult, mutate: object, field: str
) -> None:
    doc = json.loads(dumps_trace_result(sample_result))
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(InputError) as caught:
        trace_result_from_dict(doc, origin="saved.json")
    message = str(caught.value)
    assert message.startswith("saved.json: field ")
    assert field in message
    assert "\n" not in message


def test_not_an_object_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"x\.json: field \$: expected an object, got a list"):
        trace_result_from_dict([], origin="x.json")


def test_bad_json_file_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"schema": "netlogs.trace/v1",\n  oops}', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.json: not valid JSON \(line 2"):
        load_trace_result(path)
    with pytest.raises(InputError, match="cannot read"):
        load_trace_result(tmp_path / "missing.json")
