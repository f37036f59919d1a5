"""Per-day coverage of a kusto-engine result: rows per table and UTC day counted by the server
(facts_sources), kept in the JSON document and shown in the HTML with empty days in red."""

from __future__ import annotations

import re
from datetime import timedelta

from netlogs.model import TimeWindow
from netlogs.pipeline.kusto_trace import trace_in_kusto
from netlogs.report.html import render_html
from netlogs.report.json import trace_result_to_dict
from netlogs.report.json_read import trace_result_from_dict
from tests.kusto_engine.conftest import DuckdbExecutor, Scenario

_TABLES = ("AZKVAuditLogs", "AZFWNetworkRule", "AZFWApplicationRule")


def test_daily_rows_count_every_table_and_day_and_show_gaps(sample_scenario: Scenario) -> None:
    base = sample_scenario.request()
    assert base.window is not None
    # two days before the data: the grid has three days, the first two empty
    window = TimeWindow(base.window.start - timedelta(days=2), base.window.end)
    request = sample_scenario.request(window=window)
    result = trace_in_kusto(request, DuckdbExecutor(sample_scenario.con), sample_scenario.topology)
    assert result.engine is not None
    counted = {(d.day.strftime("%Y-%m-%d"), d.table): d.rows for d in result.engine.daily_rows}
    day = base.window.start.strftime("%Y-%m-%d")
    for table in _TABLES:  # the rows of each table in the window, as loaded
        times = sample_scenario.frames[table].get_column("TimeGenerated")
        expected = times.filter(times.is_between(window.start, window.end)).len()
        assert expected > 0
        assert counted[(day, table)] == expected
    assert {d for d, _ in counted} == {day}  # no rows, no entry: the gaps are absent days
    # the JSON document keeps the counts; `netlogs report` reads them back
    document = trace_result_to_dict(result)
    audit = {"day": f"{day}T00:00:00Z", "table": "AZKVAuditLogs"}
    audit["rows"] = counted[(day, "AZKVAuditLogs")]
    assert audit in document["engine"]["daily_rows"]
    assert trace_result_from_dict(document).engine == result.engine
    page = render_html(result)
    grid = page[page.index('id="daily-coverage"') :]
    grid = grid[: grid.index("</table>")]
    rows = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d)</td>(.*?)</tr>", grid)
    assert [d for d, _ in rows][-1] == day and len(rows) == 3
    for shown, cells in rows:
        gaps = cells.count("daily-gap")
        assert gaps == (4 if shown != day else cells.count(">0<"))
    assert f"{counted[(day, 'AZKVAuditLogs')]}</td>" in rows[-1][1]


def test_a_local_result_has_no_daily_grid(sample_scenario: Scenario) -> None:
    result = trace_in_kusto(
        sample_scenario.request(), DuckdbExecutor(sample_scenario.con), sample_scenario.topology
    )
    assert result.engine is not None
    local_like = result.__class__(**{**result.__dict__, "engine": None})
    assert 'id="daily-coverage"' not in render_html(local_like)
