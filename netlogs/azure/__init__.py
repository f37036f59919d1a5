"""Adapters to Azure's control plane: the only package (with ``sources.log_analytics``) that
imports ``azure.*``.

Every function here returns plain JSON-like Python values (dicts, lists, strings); nothing above
this package sees an SDK type. Azure is imported inside the functions, so importing this package
costs nothing until a live command runs.
"""
