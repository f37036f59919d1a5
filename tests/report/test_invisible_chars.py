"""Characters that render as nothing are shown as [U+XXXX] in text, Markdown and HTML (issue #13);
the JSON result keeps the logged value unchanged."""

from __future__ import annotations

import dataclasses
import json
import re
from html import unescape

import pytest

from netlogs.model import TraceResult
from netlogs.report.html import render_html
from netlogs.report.json import dumps_trace_result
from netlogs.report.markdown import render_markdown
from netlogs.report.text import render_text

# soft hyphen, a tag character, the cancel tag, Hangul fillers, an invisible operator, a
# variation selector, the combining grapheme joiner
HIDDEN = ["\u00ad", "\U000e0041", "\U000e007f", "\u3164", "\uffa0", "\u2063", "\ufe0f", "\u034f"]


def _with_hidden(result: TraceResult, char: str) -> TraceResult:
    flow = dataclasses.replace(result.flows[0], client=f"vm{char}app", cause=f"rule{char}x")
    return dataclasses.replace(result, flows=(flow, *result.flows[1:]))


@pytest.mark.parametrize("char", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_hidden_characters_are_shown_in_every_readable_output(
    sample_result: TraceResult, char: str
) -> None:
    result = _with_hidden(sample_result, char)
    code = f"[U+{ord(char):04X}]"
    text = render_text(result, color=False)
    assert char not in text and f"vm{code}app" in text
    markdown = render_markdown(result)
    assert char not in markdown and f"vm\\[U+{ord(char):04X}\\]app" in markdown
    visible = unescape(re.sub(r"<script.*?</script>|<[^>]+>", "", render_html(result), flags=re.S))
    assert char not in visible and f"vm{code}app" in visible
    document = json.loads(dumps_trace_result(result))
    assert document["flows"][0]["client"] == f"vm{char}app"  # the data itself is not changed
