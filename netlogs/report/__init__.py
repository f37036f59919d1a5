"""Evidence reports from a ``TraceResult``.

``json`` (the ``netlogs.trace/v1`` document, and reading it back), ``text`` (terminal table),
``markdown`` (ticket summary), ``answer`` (the verdict banner and plain sentences every format
starts with) and ``html`` (the self-contained page, SVG drawn server-side; the only module that
loads jinja2). Import the submodule you need; this package imports nothing itself.
"""
