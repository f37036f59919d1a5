"""Time parsing: the portal fast path agrees with the general parser on every instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.normalize.common import parse_time_column, parse_time_text


def _portal(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    return (f"{moment.month}/{moment.day}/{moment.year}, {hour}:{moment.minute:02d}:"
            f"{moment.second:02d}.{moment.microsecond // 1000:03d} {suffix}")


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda m: m.replace(microsecond=m.microsecond // 1000 * 1000)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(moments, min_size=1, max_size=30))
def test_portal_fast_path_matches_general_parser(values: list[datetime]) -> None:
    text = pl.Series("TimeGenerated", [_portal(m) for m in values])
    fast = parse_time_column(text)
    general = text.to_frame().select(parse_time_text(pl.col("TimeGenerated"))).to_series()
    expected = [m.replace(tzinfo=timezone.utc) for m in values]
    assert fast.to_list() == expected == general.to_list()


def test_midnight_noon_and_other_forms_in_one_column() -> None:
    text = pl.Series(["12/19/2023, 12:00:00.000 AM", "12/19/2023, 12:30:15.500 PM", None,
                      "2023-12-19T01:02:03.1234567Z"])  # not all portal-shaped: general parser
    parsed = parse_time_column(text).to_list()
    base = datetime(2023, 12, 19, tzinfo=timezone.utc)
    assert parsed == [base, base + timedelta(hours=12, minutes=30, seconds=15.5), None,
                      base + timedelta(hours=1, minutes=2, seconds=3, microseconds=123456)]


def test_local_zone_is_converted_to_utc() -> None:
    text = pl.Series(["7/1/2024, 9:00:00.000 AM", "1/15/2024, 9:00:00.000 AM"])
    parsed = parse_time_column(text, "Europe/Berlin").to_list()
    assert parsed == [datetime(2024, 7, 1, 7, tzinfo=timezone.utc),
                      datetime(2024, 1, 15, 8, tzinfo=timezone.utc)]


def test_portal_fast_path_keeps_the_12_hour_clock() -> None:
    # every value has the portal shape, so the per-minute path parses them all
    text = pl.Series(["12/19/2023, 12:00:00.000 AM", "12/19/2023, 12:30:15.500 PM",
                      "12/19/2023, 11:59:59.999 PM", "12/19/2023, 1:00:00.000 AM",
                      "12/19/2023, 13:05:00.000 PM", "12/19/2023, 0:05:00.000 AM"])
    fast = parse_time_column(text).to_list()
    general = text.to_frame().select(parse_time_text(pl.col(text.name))).to_series().to_list()
    base = datetime(2023, 12, 19, tzinfo=timezone.utc)
    assert fast == general == [
        base, base + timedelta(hours=12, minutes=30, seconds=15.5),
        base + timedelta(hours=23, minutes=59, seconds=59.999), base + timedelta(hours=1),
        None, None]  # hours 13 and 0 are not on a 12-hour clock
