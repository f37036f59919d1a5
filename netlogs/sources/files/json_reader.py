"""JSON text checks the file reader runs before handing text to a parser.

One JSON document and JSON lines are told apart by the first line (a whole object on its own
means one object per line), so a broken document is reported at the line the parser stopped on,
not at line 1. Nesting is bounded: Python's parser gives up with a RecursionError past about a
thousand levels, and polars' line reader slows down steeply long before that (seconds at a few
hundred levels), while real resource logs nest less than ten deep.
"""

from __future__ import annotations

import json

import polars as pl

MAX_JSON_DEPTH = 64

_STRING = r'"(?:[^"\\]|\\.)*"'
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def looks_like_json_lines(text: str) -> bool:
    """True when the first line is a whole JSON object and more lines follow."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped.startswith("{"):
        return False
    first, _, rest = stripped.partition("\n")
    if not rest.strip():
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def invalid_json(exc: json.JSONDecodeError) -> str:
    """The reason part of an invalid-JSON refusal (the line goes with the file name)."""
    return f"invalid JSON at column {exc.colno} ({exc.msg})"


def first_bad_line(text: str) -> tuple[str, int | None]:
    """(reason, line) of the first line of a JSON-lines text that is not a JSON object.

    Error path only, so a loop over the lines is fine.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            return invalid_json(exc), number
        except RecursionError:
            return "JSON nested too deeply", number
        if not isinstance(value, dict):
            return "a JSON line that is not an object", number
    return "JSON lines that could not be read", None


def deepest_line(lines: pl.Series, limit: int) -> int | None:
    """The number (1-based) of the first line nested deeper than ``limit``, or None.

    Only lines with more than ``limit`` opening brackets can be that deep; just those are
    measured exactly (brackets inside strings do not count).
    """
    frame = lines.cast(pl.String).to_frame("line").with_row_index("number", offset=1)
    frame = frame.filter(pl.col("line").str.count_matches(r"[\[{]") > limit)
    if frame.is_empty():
        return None
    brackets = (
        pl.col("line").str.replace_all(_STRING, "").str.replace_all(r"[^\[\]{}]", "")
    )
    steps = (
        frame.select("number", brackets.str.split("").alias("step"))
        .explode("step")
        .with_columns(pl.col("step").replace_strict(_STEP, default=0, return_dtype=pl.Int64))
    )
    depth = steps.with_columns(pl.col("step").cum_sum().over("number").alias("depth"))
    deep = depth.filter(pl.col("depth") > limit)
    return None if deep.is_empty() else int(deep.get_column("number").min())  # type: ignore[arg-type]
