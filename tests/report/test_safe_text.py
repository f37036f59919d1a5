"""The escaping helpers every report relies on."""

from __future__ import annotations

import polars as pl

from netlogs.report.safe_text import markdown_text, neutralise, shorten
from netlogs.report.timeline import svg_text, svg_text_expr


def test_invisible_and_control_characters_become_visible() -> None:
    assert neutralise("a\u202eb\u200bc\x1b[0m\x00") == "a[U+202E]b[U+200B]c[U+001B][0m[U+0000]"
    assert neutralise("one\r\ntwo\tthree") == "one two three"
    assert neutralise("one\r\ntwo\tx\u2066", keep_lines=True) == "one\ntwo\tx[U+2066]"
    assert neutralise("plain ÄÖü – 日本") == "plain ÄÖü – 日本"  # ordinary text untouched


def test_characters_that_render_as_nothing_are_shown() -> None:
    hidden = "kv\u00adprod\U000e0041\U000e007f\u3164\uffa0\u2063\u034f"
    assert neutralise(hidden) == (
        "kv[U+00AD]prod[U+E0041][U+E007F][U+3164][U+FFA0][U+2063][U+034F]"
    )
    assert markdown_text("a\u00adb") == "a\\[U+00AD\\]b"


def test_shorten_marks_the_cut() -> None:
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"


def test_markdown_text_escapes_inline_syntax() -> None:
    assert markdown_text("a|b `c` *d* [e](f) <g>&") == (
        "a\\|b \\`c\\` \\*d\\* \\[e\\](f) &lt;g&gt;&amp;"
    )


def test_svg_text_expression_matches_the_python_version() -> None:
    values = ["<b>x</b> & y", "rtl\u202eend", "tab\there", "z" * 300, "", "é", 'a"b\'c']
    frame = pl.DataFrame({"v": [*values, None]})
    got = frame.select(svg_text_expr("v", 50))["v"].to_list()
    assert got == [svg_text(v, 50) for v in values] + [""]
    assert got[-2] == "a&quot;b&#x27;c"  # safe inside an attribute too
    assert got[0] == "&lt;b&gt;x&lt;/b&gt; &amp; y"
