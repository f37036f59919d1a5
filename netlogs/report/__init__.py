"""Evidence reports from a ``TraceResult``.

``json`` (the ``netlogs.trace/v1`` document, and reading it back), ``text`` (terminal table),
``markdown`` (ticket summary) and ``html`` (the self-contained page; the only module that loads
plotly and jinja2). Import the submodule you need; this package imports nothing itself.
"""
