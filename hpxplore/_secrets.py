"""Credentials in URLs and connection strings, hidden before any text is shown or stored.

Every form SQLAlchemy and libpq accept is covered: the password of a URL's userinfo (with
any characters in it, an unencoded ``/`` or ``@`` too), secret query parameters
(``?password=...``, ``sslpassword``, ``token``, ...) and ``key=value`` connection strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["MASK", "is_secret_key", "redact", "redact_values"]

MASK = "***"

# scheme://user:password@host — the password runs to the last "@" before the host part
# ends (whitespace, a quote, "?" or "#"), so "u:pa/ss@w0rd@h/db" loses all of "pa/ss@w0rd".
_USERINFO = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^:@/\s?#'\"]*):(?P<secret>[^\s?#'\"]*)@")
_KEYS = (
    r"password|passwd|pwd|pass|sslpassword|secret|client_secret|token|access_token|api_key|apikey"
)
_KEY_VALUE = re.compile(
    rf"(?i)(?P<head>(?<![\w.-])(?:{_KEYS})\s*=\s*)(?P<secret>'[^']*'|[^&\s#'\";,]+)"
)

_KEY = re.compile(rf"(?i)(?:{_KEYS})")


def is_secret_key(key: str) -> bool:
    """Whether a query parameter or connection-string key holds a credential."""
    return bool(_KEY.fullmatch(key.strip()))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every credential replaced by ``***``; ``secrets`` (known passwords) are
    hidden wherever they appear, also in a driver's own message."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", text)
    return _KEY_VALUE.sub(lambda m: f"{m['head']}{MASK}", text)


def redact_values(value: Any) -> Any:
    """A JSON-like value with :func:`redact` applied to every string in it."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_values(v) for v in value]
    return value
