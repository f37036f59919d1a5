"""netlogs' canonical tables as Parquet (``netlogs fetch`` writes them, ``--logs`` reads them)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO

import polars as pl

from netlogs.model import EvidenceTables
from netlogs.schemas import CANONICAL


def write_canonical(tables: EvidenceTables, out_dir: Path) -> dict[str, Path]:
    """Write ``<table>.parquet`` for every canonical table (empty ones too: the schema travels)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in CANONICAL:
        path = out_dir / f"{name}.parquet"
        getattr(tables, name).write_parquet(path)
        written[name] = path
    return written


def canonical_table_of(columns: Iterable[str]) -> str | None:
    """The canonical table whose columns these are (extra columns allowed, none missing)."""
    present = set(columns)
    for name, schema in CANONICAL.items():
        # Columns appended to a schema later are optional, so old files still read.
        required = set(list(schema)[: _BASE_WIDTH.get(name, len(schema))])
        if required <= present:
            return name
    return None


# Width of each schema when netlogs first wrote Parquet; later columns may be absent.
_BASE_WIDTH = {"kv_requests": 17, "fw_events": 18, "flows": 21, "dns": 8}


def read_canonical(source: Path | IO[bytes]) -> tuple[str, pl.DataFrame]:
    """(canonical table name, frame) of one Parquet file; ValueError if it is not one of ours."""
    frame = pl.read_parquet(source)
    name = canonical_table_of(frame.columns)
    if name is None:
        raise ValueError(f"columns {sorted(frame.columns)[:8]} match no canonical table")
    return name, frame
