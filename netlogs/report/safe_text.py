"""Make log-derived strings harmless before they reach a terminal, a ticket or a browser.

Anything that came out of a log (request URIs, FQDNs, client info, rule names) is attacker
controlled. Invisible characters are shown as ``[U+XXXX]`` so they can neither reorder the text
around them (bidi overrides) nor hide inside it (zero-width), and terminal control characters can
never reach the terminal.
"""

from __future__ import annotations

import re

# C0/C1 controls (tab and newline are handled per format), bidi marks, embeddings, overrides and
# isolates, zero-width characters, the BOM, the Unicode line/paragraph separators, and characters
# that render as nothing: the soft hyphen, the combining grapheme joiner, Hangul and Khmer
# fillers, the Mongolian vowel separator, interlinear annotation marks and the tag characters
# (which can spell a hidden message after any visible text).
INVISIBLE_CHARS: tuple[str, ...] = tuple(
    chr(c)
    for lo, hi in (
        (0x00, 0x08),
        (0x0B, 0x1F),
        (0x7F, 0x9F),
        (0x00AD, 0x00AD),
        (0x034F, 0x034F),
        (0x061C, 0x061C),
        (0x115F, 0x1160),
        (0x17B4, 0x17B5),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x2028, 0x202E),
        (0x2060, 0x206F),
        (0x3164, 0x3164),
        (0xFE00, 0xFE0F),
        (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0),
        (0xFFF9, 0xFFFB),
        (0xE0000, 0xE007F),
        (0xE0100, 0xE01EF),
    )
    for c in range(lo, hi + 1)
)
_INVISIBLE = re.compile("[" + re.escape("".join(INVISIBLE_CHARS)) + "]")
# Log-derived text never starts a Markdown line (it always follows a list marker or sits in a
# table cell), so only the characters that act inline need escaping.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
_WHITESPACE_RUN = re.compile(r"[\t\r\n]+")


def visible_code(char: str) -> str:
    """How an invisible character is shown: ``[U+202E]``."""
    return f"[U+{ord(char):04X}]"


def _visible(match: re.Match[str]) -> str:
    return visible_code(match.group(0))


def neutralise(value: object, *, keep_lines: bool = False) -> str:
    """``str(value)`` with every invisible or control character shown as ``[U+XXXX]``.

    Tabs and line breaks become single spaces, unless ``keep_lines`` (KQL text, multi-line
    messages) keeps ``\\n`` and tab as they are.
    """
    text = str(value)
    if keep_lines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        text = _WHITESPACE_RUN.sub(" ", text)
    return _INVISIBLE.sub(_visible, text)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def markdown_text(value: object) -> str:
    """Inline Markdown that renders as the literal text (tables included)."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", neutralise(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
