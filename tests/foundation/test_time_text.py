"""`netlogs.terms.utc_text`: the one time formatter, its precision always given."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from netlogs.terms import TimePrecision, utc_text

PLUS_TWO = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("moment", "seconds", "milliseconds", "microseconds"),
    [
        (
            datetime(2026, 11, 20, 0, 0, 22, 196077, tzinfo=timezone.utc),
            "2026-11-20T00:00:22Z",
            "2026-11-20T00:00:22.196Z",
            "2026-11-20T00:00:22.196077Z",
        ),
        (  # a whole second has no fraction at any precision
            datetime(2026, 11, 20, tzinfo=timezone.utc),
            "2026-11-20T00:00:00Z",
            "2026-11-20T00:00:00Z",
            "2026-11-20T00:00:00Z",
        ),
        (  # other offsets are converted, never printed
            datetime(2026, 7, 1, 12, 0, 0, 5, tzinfo=PLUS_TWO),
            "2026-07-01T10:00:00Z",
            "2026-07-01T10:00:00.000Z",
            "2026-07-01T10:00:00.000005Z",
        ),
    ],
)
def test_each_precision(
    moment: datetime, seconds: str, milliseconds: str, microseconds: str
) -> None:
    assert utc_text(moment, "seconds") == seconds
    assert utc_text(moment, "milliseconds") == milliseconds
    assert utc_text(moment, "microseconds") == microseconds


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        utc_text(datetime(2026, 11, 20), "seconds")


class Moment(datetime):
    """A datetime subclass (its own isoformat could differ): formatted one by one."""


def test_many_at_once_is_each_one_formatted() -> None:
    from netlogs.terms import utc_texts

    utc = [
        datetime(2026, 11, 20, 0, 0, 22, 196077, tzinfo=timezone.utc),
        datetime(2026, 11, 20, tzinfo=timezone.utc),  # whole second: no fraction
        datetime(2026, 11, 20, 0, 0, 0, 5, tzinfo=timezone(timedelta(0))),  # UTC by offset
    ]
    mixed = [*utc, datetime(2026, 7, 1, 12, 0, 0, 5, tzinfo=PLUS_TWO)]
    early = [*utc, datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)]
    subclass = [*utc, Moment(2026, 1, 1, tzinfo=timezone.utc)]
    precisions: tuple[TimePrecision, ...] = ("seconds", "milliseconds", "microseconds")
    for moments in (utc, mixed, early, subclass, []):
        for precision in precisions:
            assert utc_texts(moments, precision) == [utc_text(m, precision) for m in moments]
    assert utc_texts(mixed, "microseconds")[3] == "2026-07-01T10:00:00.000005Z"
    assert utc_texts(early, "microseconds")[3] == utc_text(early[3], "microseconds")


def test_many_at_once_refuses_a_naive_time() -> None:
    from netlogs.terms import utc_texts

    with pytest.raises(ValueError, match="no time zone"):
        utc_texts([datetime(2026, 11, 20, tzinfo=timezone.utc), datetime(2026, 11, 20)],
                  "microseconds")
