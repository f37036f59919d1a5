"""Where CSV rows start: the line count polars takes from the file equals the count of its bytes,
and a multi-line cell in a column netlogs never reads still moves the later rows' lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlogs.sources.files.csv_rows import ExportText
from tests.sources.files.file_faults import collect

_PIECES = st.sampled_from(  # separators, quotes, line ends, a BOM, NUL, invalid UTF-8
    [b"a", b",", b'"', b"\n", b"\r", b"\r\n", b" ", b"#", b"\xef\xbb\xbf", b"\x00", b"\xff"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=60).map(b"".join))
def test_line_count_from_the_file_equals_the_count_of_its_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("layout") / "x.csv"
    path.write_bytes(data)
    from_file, from_bytes = ExportText(path), ExportText(data)
    assert from_file.line_count() == from_bytes.line_count()
    assert from_file.ends_with_newline() == data.endswith(b"\n")


def test_line_count_over_many_blocks(tmp_path: Path) -> None:
    # polars counts a large file in parallel chunks: no newline may be lost at their seams
    lines = [b"x" * (n * 7919 % 300) for n in range(200_000)]
    path = tmp_path / "big.csv"
    path.write_bytes(b"\n".join(lines) + b"\nlast")
    assert ExportText(path).line_count() == len(lines) + 1


def test_a_multi_line_cell_in_an_unread_column_moves_the_later_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(  # TenantId is never read, yet its second line is a line of the file
        'TenantId,"TimeGenerated [UTC]",SourceIp,DestinationIp,DestinationPort,Action,Type\n'
        't,"11/20/2026, 11:05:20.114 AM",10.1.1.5,10.1.2.4,443,Deny,AZFWNetworkRule\n'
        '"two\nlines","not a time",10.1.1.6,10.1.2.4,443,Allow,AZFWNetworkRule\n'
        't,"11/20/2026, 11:05:22.114 AM",10.1.1.7,10.1.2.4,443\n'  # short: 5 of 7 fields
        't,"11/20/2026, 11:05:23.114 AM",10.1.1.8,10.1.2.4,443,Allow,AZFWNetworkRule\n'
    )
    collected = collect(tmp_path)
    (raw,) = collected.raw_tables
    assert raw.frame["_row"].to_list() == [2, 6]
    assert [(i.line, i.reason) for i in collected.parse_issues] == [
        (5, "a row with fewer fields than the header"),
        (3, "TimeGenerated is empty or not a time"),
    ]
