"""Evidence read from exported log files (portal CSV, az JSON, query-API JSON, raw storage JSON,
netlogs' own Parquet)."""

from netlogs.sources.files.source import FileSource

__all__ = ["FileSource"]
