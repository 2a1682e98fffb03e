"""Keep bearer credentials out of log records, reprs and messages.

The guest JWT travels in the Authorization header and inside the eventStreamUri, so anything
that could carry either is scrubbed before it is written anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = ["REDACTED", "redact_headers", "redact_text"]

REDACTED = "[REDACTED]"
# A JWT: three base64url parts, the first always starting with '{"' encoded as "eyJ".
_JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
# The eventStreamUri carries the token as a path segment whatever its shape: .../v1/token/<jwt>.
_TOKEN_SEGMENT_PATTERN = re.compile(r"(/token/)[^/?#\s'\"<>]+")
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every JWT-looking string, bearer token, ``/token/<...>`` path segment and
    given secret replaced."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    if "/token/" in text:
        text = _TOKEN_SEGMENT_PATTERN.sub(rf"\g<1>{REDACTED}", text)
    if "eyJ" in text:
        text = _JWT_PATTERN.sub(REDACTED, text)
    if "earer" in text:
        text = _BEARER_PATTERN.sub(lambda match: match.group(1) + REDACTED, text)
    return text


def redact_headers(headers: Mapping[str, str], secrets: Iterable[str] = ()) -> dict[str, str]:
    secrets = tuple(secrets)
    return {
        name: REDACTED if name.lower() in _SECRET_HEADERS else redact_text(value, secrets)
        for name, value in headers.items()
    }
