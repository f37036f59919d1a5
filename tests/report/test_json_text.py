"""The fast indented writer must write exactly what ``json.dumps(indent=2)`` writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.report.json_text import dumps_indented


def stdlib(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # any code point: quotes, backslashes, control characters, emoji, surrogates
)
documents = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_same_text_as_json_dumps(document: Any) -> None:
    assert dumps_indented(document) == stdlib(document)


def test_empty_containers_and_nesting() -> None:
    document = {"a": [], "b": {}, "c": [[], [{}], {"d": [1, 2.5, None, True]}], "é": "</script>"}
    assert dumps_indented(document) == stdlib(document)


@pytest.mark.parametrize(
    "document",
    [{1: "numeric key"}, {None: 1}, {"x": {2.5: "float key"}}],
    ids=["int-key", "none-key", "nested-float-key"],
)
def test_keys_json_converts_are_left_to_json(document: Any) -> None:
    assert dumps_indented(document) == stdlib(document)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1, 2}, object()], ids=repr)
def test_what_json_refuses_fails_as_json_fails(bad: Any) -> None:
    with pytest.raises((ValueError, TypeError)) as expected:
        stdlib({"v": [bad]})
    with pytest.raises(expected.type, match=str(expected.value)[:20]):
        dumps_indented({"v": [bad]})


def test_a_circular_structure_fails_as_json_fails() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps_indented({"loop": loop})


@pytest.mark.parametrize(
    "moment",
    [
        "2026-11-20T00:00:22.196077+00:00",
        "2026-11-20T00:00:22+00:00",
        "2026-11-20T00:00:22.000005+00:00",
        "2026-07-01T12:00:00+02:00",  # converted to UTC
        "2026-01-01T00:00:00+00:00:30",  # a sub-minute offset
    ],
)
def test_times_are_written_as_utc_with_z(moment: str) -> None:
    from datetime import datetime, timezone

    from netlogs.terms import utc_text

    parsed = datetime.fromisoformat(moment)
    utc = parsed.astimezone(timezone.utc)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    assert utc_text(parsed, "microseconds") == utc.strftime(pattern)
