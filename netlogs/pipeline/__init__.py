"""Orchestration: the only place that wires sources, normalization, the model, correlation,
verdicts and reports together (trace.py for `netlogs trace`, fetch.py for `netlogs fetch`)."""
