"""`netlogs.terms.utc_text`: the one time formatter, its precision always given."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from netlogs.terms import utc_text

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
