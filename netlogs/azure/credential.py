"""Sign in once, before any parallel work, and quietly.

``sign_in`` builds azure-identity's ``DefaultAzureCredential`` (so ``az login``, managed identity,
workload identity and ``AZURE_TOKEN_CREDENTIALS`` all work) and asks it for an ARM token at once.
A missing or expired sign-in is then one ``AuthError`` telling the user to run ``az login``,
instead of one failure (and a page of library warnings) per parallel request. Tokens are cached
per scope until shortly before they expire, so the Azure CLI runs once per scope, not once per
request.
"""

# ruff: noqa: PLC0415  (azure is imported lazily: `netlogs --help` never loads it)

from __future__ import annotations

import logging
import threading
import time
import warnings
from typing import Any

from netlogs.azure.clouds import Cloud
from netlogs.errors import AuthError, ConfigError

_REFRESH_MARGIN_S = 300


class CachedCredential:
    """An azure-core ``TokenCredential`` handing out one cached token per scope."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._tokens: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        with self._lock:
            token = self._tokens.get(scopes)
            if token is None or token.expires_on - _REFRESH_MARGIN_S < time.time():
                token = self._inner.get_token(*scopes, **kwargs)
                self._tokens[scopes] = token
            return token

    def close(self) -> None:
        closer = getattr(self._inner, "close", None)
        if callable(closer):
            closer()


def quiet_azure_logging() -> None:
    """azure-identity logs every failed credential as a WARNING; without a handler Python prints
    each one on stderr. netlogs reports failures itself, as one line."""
    logger = logging.getLogger("azure")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    logger.propagate = False


def sign_in(
    cloud: Cloud, credential: Any | None = None, *, scope: str | None = None
) -> CachedCredential:
    """A credential that has already fetched a token for ``cloud``: for ARM (discovery), or for
    ``scope`` (``cloud.logs_scope`` when only workspaces are queried). Every live command signs
    in here, once, before any parallel work.

    Raises:
        AuthError: no identity could sign in (the message says to run ``az login``).
        ConfigError: ``AZURE_TOKEN_CREDENTIALS`` names no known credential.
    """
    quiet_azure_logging()
    from azure.core.exceptions import AzureError

    if credential is None:
        from azure.identity import DefaultAzureCredential

        try:
            credential = DefaultAzureCredential()
        except ValueError as exc:  # a bad AZURE_TOKEN_CREDENTIALS fails at construction
            raise ConfigError(f"AZURE_TOKEN_CREDENTIALS: {_first_line(exc)}") from None
    cached = CachedCredential(credential)
    try:
        with warnings.catch_warnings():  # some credentials warn as well as log
            warnings.simplefilter("ignore")
            cached.get_token(scope or cloud.arm_scope)
    except (AzureError, ValueError, OSError) as exc:  # no login, an expired one, no IMDS...
        raise AuthError(
            f"not signed in to Azure ({cloud.name}): run `az login` (or configure a managed "
            f"identity or service principal) and try again ({_first_line(exc)})"
        ) from None
    return cached


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text[:200]
