"""Raw storage-account / Event Hub records -> one flat frame per raw shape.

A resource-log record is recognised by its ``category`` (Key Vault ``AuditEvent``, legacy
``AzureFirewall*``, structured ``AZFW*``, ``NetworkSecurityGroupFlowEvent``, ``FlowLogFlowEvent``).
Nested objects become dotted columns (``properties.msg``, ``identity.claim.oid``); flow logs are
exploded to one row per flow tuple, keeping the record's time, resource, rule and MAC.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

RAW_KEYVAULT = "raw:keyvault"
RAW_AZFW_LEGACY = "raw:azfw_legacy"
RAW_AZFW_STRUCTURED = "raw:azfw_structured"
RAW_NSG_FLOW = "raw:nsg_flow"
RAW_VNET_FLOW = "raw:vnet_flow"

_NSG_PATH = ("properties.flows", "properties.flows.flows", "properties.flows.flows.flowTuples")
_VNET_PATH = (
    "flowRecords.flows",
    "flowRecords.flows.flowGroups",
    "flowRecords.flows.flowGroups.flowTuples",
)
_FLOW_PATHS = {RAW_NSG_FLOW: _NSG_PATH, RAW_VNET_FLOW: _VNET_PATH}


class MissingFieldError(Exception):
    """Flow records lack a field on the way to their flow tuples (renamed or dropped)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.field = name


def records_frame(records: Sequence[Any]) -> pl.DataFrame:
    """Records (dicts) as one frame, ``_row`` = record number (1-based), classified."""
    frame = pl.from_dicts(list(records), infer_schema_length=None)
    return classify_records(frame.with_columns(pl.int_range(1, pl.len() + 1).alias("_row")))


def classify_records(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``_shape``: the raw table name of each record, or null for one netlogs does not read."""
    category = (
        pl.col("category").cast(pl.String)
        if "category" in frame.columns
        else pl.lit(None, pl.String)
    )
    version = pl.col("flowLogVersion") if "flowLogVersion" in frame.columns else pl.lit(None)
    shape = (
        pl.when(category == "AuditEvent")
        .then(pl.lit(RAW_KEYVAULT))
        .when(category.str.starts_with("AzureFirewall"))
        .then(pl.lit(RAW_AZFW_LEGACY))
        .when(category.str.starts_with("AZFW"))
        .then(pl.lit(RAW_AZFW_STRUCTURED))
        .when(category == "NetworkSecurityGroupFlowEvent")
        .then(pl.lit(RAW_NSG_FLOW))
        .when((category == "FlowLogFlowEvent") | version.is_not_null())
        .then(pl.lit(RAW_VNET_FLOW))
    )
    return frame.with_columns(shape.alias("_shape"))


def shape_raw(shape: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The flat frame the normalizer of ``shape`` expects."""
    frame = _drop_null_columns(frame.drop("_shape"))
    if shape == RAW_NSG_FLOW:
        return _flow_tuples(
            frame,
            _NSG_PATH,
            {
                "properties.flows.rule": "rule",
                "properties.flows.flows.mac": "mac",
                "properties.Version": "version",
            },
        )
    if shape == RAW_VNET_FLOW:
        return _flow_tuples(
            frame,
            _VNET_PATH,
            {
                "flowRecords.flows.flowGroups.rule": "rule",
                "flowRecords.flows.aclID": "aclID",
                "flowLogVersion": "version",
            },
        )
    return flatten_structs(frame)


def records_without_flows(shape: str, frame: pl.DataFrame) -> pl.Series | None:
    """Flow records whose list of flows is missing or null (None for other shapes).

    Such a record held flows nobody can read now; a record with an empty list logged none.
    """
    path = _FLOW_PATHS.get(shape)
    if path is None:
        return None
    top = path[0].split(".")[0]
    if top not in frame.columns or not isinstance(frame.schema[top], pl.Struct):
        return pl.Series([True] * frame.height, dtype=pl.Boolean)  # nothing where flows go
    flat = flatten_structs(frame.select(top))
    if path[0] not in flat.columns:
        return None  # no record has the list: the shape lacks the field (MissingFieldError)
    missing: pl.Series = flat.get_column(path[0]).is_null()
    return missing


def flatten_structs(frame: pl.DataFrame) -> pl.DataFrame:
    """Unnest every struct column, recursively, into ``parent.child`` columns."""
    while True:
        structs = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Struct)]
        if not structs:
            return frame
        empty = [name for name in structs if not frame.schema[name].fields]  # type: ignore[attr-defined]
        frame = frame.drop(empty)
        structs = [name for name in structs if name not in empty]
        frame = frame.with_columns(
            pl.col(name).struct.rename_fields(
                [f"{name}.{f.name}" for f in frame.schema[name].fields]  # type: ignore[attr-defined]
            )
            for name in structs
        ).unnest(structs)


def _drop_null_columns(frame: pl.DataFrame) -> pl.DataFrame:
    # Records of other shapes leave all-null columns behind after from_dicts unified them.
    counts = frame.select(pl.all().null_count())
    keep = [name for name in frame.columns if counts[name][0] < frame.height or name == "_row"]
    return frame.select(keep)


def _flow_tuples(
    frame: pl.DataFrame, path: tuple[str, ...], renames: dict[str, str]
) -> pl.DataFrame:
    """Explode nested flow lists down to one row per tuple string (column ``tuple``)."""
    frame = flatten_structs(frame)
    for column in path:
        if column not in frame.columns:
            if _has_sibling_fields(frame, column):
                raise MissingFieldError(column)
            return _no_tuples(frame)  # every list on the way was empty: no flows were logged
        frame = flatten_structs(frame.explode(column))
    frame = frame.rename(
        {path[-1]: "tuple", **{k: v for k, v in renames.items() if k in frame.columns}}
    )
    frame = frame.filter(pl.col("tuple").is_not_null())
    ordinal = pl.int_range(pl.len()).over("_row") + 1
    line = pl.col("_line") if "_line" in frame.columns else pl.col("_row")
    return frame.with_columns(
        line.cast(pl.Int64, strict=False).alias("_line"),
        (pl.col("_row").cast(pl.String) + "." + ordinal.cast(pl.String)).alias("_row"),
    )


def _has_sibling_fields(frame: pl.DataFrame, column: str) -> bool:
    """The object that should hold ``column`` has other fields: ``column`` itself is missing."""
    parent = column.rpartition(".")[0]
    return any(name.startswith(parent + ".") for name in frame.columns) if parent else True


def _no_tuples(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.head(0).with_columns(
        pl.lit(None, pl.String).alias("tuple"),
        pl.col("_row").alias("_line"),
        pl.col("_row").cast(pl.String),
    )
