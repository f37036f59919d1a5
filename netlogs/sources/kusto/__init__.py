"""Kusto engines: the correlation facts computed server side (Log Analytics, Data Explorer)."""
