"""The one exception tree of netlogs.

Every failure the library reports to a caller is a ``NetlogsError``; ``str(error)`` is a complete,
one-line message for a human (the CLI prints it as ``Error: <message>`` and exits 2). Findings
about the network or the logs (verdicts, gaps, unparsed rows) are data, never exceptions.

    NetlogsError
    ├── ConfigError          bad option or option combination (unknown vault, bad time range, ...)
    ├── TopologyError        invalid topology file or az/ARM JSON; names file, resource and field
    │   └── NoPathError      the model has no route between the endpoints asked for
    ├── TemplateError        unknown KQL template, missing/extra/ill-typed parameter, bad header
    ├── InputError           an evidence file that cannot be read or is not understood
    ├── SourceError          anything from fetching rows from Log Analytics or Azure
    │   ├── AuthError        credential or permission failure (never carries secrets)
    │   ├── QueryError       the service rejected a query (syntax error, limits)
    │   └── AzureRequestError an ARM or Resource Graph call failed (status, code, resource)
    └── SchemaError          rows missing required columns or with uncastable types
"""

from __future__ import annotations


class NetlogsError(Exception):
    """Base of every error netlogs raises on purpose."""


class ConfigError(NetlogsError):
    """Options that do not fit together, or that name something that does not exist."""


class TopologyError(NetlogsError):
    """The topology (file or imported Azure JSON) is invalid.

    The message has the shape ``<file>: <resource>: <problem>``.
    """

    def __init__(self, file: str, resource: str, problem: str) -> None:
        self.file = file
        self.resource = bounded_text(resource)
        self.problem = bounded_text(problem)
        super().__init__(f"{file}: {self.resource}: {self.problem}")


MESSAGE_PART_LIMIT = 400  # characters of a resource label or problem kept in a message


def bounded_text(text: str, limit: int = MESSAGE_PART_LIMIT) -> str:
    """``text`` on one line and at most about ``limit`` characters: a value quoted from the
    input (a name, a key) may be megabytes long or hold line breaks and invisible characters."""
    if len(text) > limit:
        keep = limit // 2
        text = f"{text[:keep]}...[{len(text) - 2 * keep} characters left out]...{text[-keep:]}"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class NoPathError(NetlogsError):
    """The model cannot place an endpoint (unknown client, destination outside every network)."""


class TemplateError(NetlogsError):
    """A KQL template or its parameters are wrong."""


class InputError(NetlogsError):
    """An evidence file is unreadable or in a format netlogs does not understand."""


class SourceError(NetlogsError):
    """Fetching evidence from a live source failed."""


class AuthError(SourceError):
    """Authentication or authorisation against Azure failed."""


class QueryError(SourceError):
    """The query service rejected a query."""


class UnreadTablesError(ConfigError):
    """The evidence is in tables the kusto engine does not read (legacy AzureDiagnostics,
    AzureNetworkAnalytics_CL): ``tables`` says which, with their rows in the window."""

    def __init__(self, message: str, tables: tuple[str, ...]) -> None:
        super().__init__(message)
        self.tables = tables


class SchemaError(NetlogsError):
    """Rows lack required columns or hold values of the wrong type."""


class AzureRequestError(SourceError):
    """An Azure control-plane call (ARM, Resource Graph) answered with an error.

    ``status`` is the HTTP status (0 when no answer arrived), ``code`` Azure's error code and
    ``resource`` the resource or scope the call was about, so a caller can tell a missing
    permission (403) on one resource from a failure that stops everything.
    """

    def __init__(self, message: str, status: int = 0, code: str = "", resource: str = "") -> None:
        self.status = status
        self.code = code
        self.resource = resource
        super().__init__(message)
