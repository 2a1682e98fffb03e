"""Keep bearer credentials out of log records, reprs and messages.

The guest JWT travels in the Authorization header, inside the eventStreamUri and in the body
that creates a chat, so anything that could carry one is scrubbed before it is written anywhere.
Two nets catch it:

- by pattern: a JWT's shape, a bearer credential, the ``/token/<...>`` segment of an
  eventStreamUri, and the value of a field named like a credential (``"jwt": "..."``);
- by value: every credential the process has seen (set on a client, found by a pattern) is
  remembered, and any piece of it of :data:`MIN_FRAGMENT` characters or more is hidden wherever
  it shows, whatever its shape, so that a token which does not look like a JWT, or the tail a
  truncating formatter left of one, is caught too.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

__all__ = ["MIN_FRAGMENT", "REDACTED", "redact_headers", "redact_text", "remember_secret"]

REDACTED = "[REDACTED]"
# A shorter piece of a token reveals too little to matter, and hiding shorter runs would start
# to hide ordinary words that happen to occur inside a token.
MIN_FRAGMENT = 8
# Enough for every guest a load run keeps in one process; the oldest are forgotten first (the
# patterns still catch them).
_REMEMBERED_LIMIT = 4096
# What a pattern finds is remembered only from this length on: real credentials are long.
_REMEMBERED_MIN = 16

# A JWT: three base64url parts, the first always starting with '{"' encoded as "eyJ". The last
# part may be cut off by a formatter that truncates.
_JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)([^\s\"',;\\]+)")
# The eventStreamUri carries the token as a path segment whatever its shape: .../v1/token/<jwt>.
_TOKEN_SEGMENT_PATTERN = re.compile(r"(/token/)([^/?#\s'\"<>\\]+)")
# A credential field in JSON (``"jwt":"..."``), in a repr (``jwt='...'``) or in a query string.
_SECRET_FIELD_PATTERN = re.compile(
    r"(?i)((?<![A-Za-z0-9_])[\"']?(?:jwt|token|access_?token|refresh_?token|control_?token)"
    r"[\"']?\s*[:=]\s*[\"']?)([^\s\"'&,;}\]\\]+)"
)
# Runs of the characters tokens are made of: what the value net compares with the tokens seen.
_RUN_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{MIN_FRAGMENT},}}")
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


class _SeenSecrets:
    """The credentials this process has seen, bounded, and one string joining them all so that
    finding whether a run of text is a piece of any of them is a single substring search."""

    __slots__ = ("_joined", "_lock", "_odd", "_values")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, None] = {}
        # Newline-joined: no run of token characters crosses a newline, so a match never spans
        # two secrets.
        self._joined = ""
        # Secrets with characters outside the run alphabet: looked for whole, one by one.
        self._odd: tuple[str, ...] = ()

    def add(self, secret: str) -> None:
        if len(secret) < MIN_FRAGMENT or secret in self._values:
            return
        with self._lock:
            if secret in self._values:
                return
            self._values[secret] = None
            while len(self._values) > _REMEMBERED_LIMIT:
                del self._values[next(iter(self._values))]
            self._joined = "\n".join(self._values)
            self._odd = tuple(s for s in self._values if _RUN_PATTERN.fullmatch(s) is None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._joined = ""
            self._odd = ()

    def hide(self, text: str) -> str:
        joined, odd = self._joined, self._odd
        if not joined:
            return text
        for secret in odd:
            if secret in text:
                text = text.replace(secret, REDACTED)

        def piece_of_a_secret(match: re.Match[str]) -> str:
            run = match.group()
            return REDACTED if run in joined else run

        return _RUN_PATTERN.sub(piece_of_a_secret, text)


_SEEN = _SeenSecrets()


def remember_secret(secret: str | None) -> None:
    """Hide ``secret`` (and any long enough piece of it) from every redacted text from now on."""
    if secret:
        _SEEN.add(secret)


def _hidden_value(match: re.Match[str]) -> str:
    """The credential in group 2 replaced, and remembered when it is long enough to be one:
    prose such as "the bearer of ..." must not teach the value net an ordinary word."""
    value = match.group(2)
    if REDACTED in value:
        return match.group()
    if len(value) >= _REMEMBERED_MIN:
        _SEEN.add(value)
    return match.group(1) + REDACTED


def _hidden_field(match: re.Match[str]) -> str:
    # A short value is no credential (``"token": "none"``, ``jwt=set``): it stays.
    return _hidden_value(match) if len(match.group(2)) >= MIN_FRAGMENT else match.group()


def _hidden_jwt(match: re.Match[str]) -> str:
    _SEEN.add(match.group())
    return REDACTED


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every credential found by pattern, every credential seen so far (or a piece
    of one) and every given secret replaced by ``[REDACTED]``."""
    for secret in secrets:
        if secret:
            _SEEN.add(secret)
            if secret in text:
                text = text.replace(secret, REDACTED)
    # The patterns run first: what they find is remembered, and so is hidden from now on also
    # where it shows without a recognisable shape.
    if "/token/" in text:
        text = _TOKEN_SEGMENT_PATTERN.sub(_hidden_value, text)
    if "eyJ" in text:
        text = _JWT_PATTERN.sub(_hidden_jwt, text)
    lowered = text.lower()
    if "bearer" in lowered:
        text = _BEARER_PATTERN.sub(_hidden_value, text)
    if "token" in lowered or "jwt" in lowered:
        text = _SECRET_FIELD_PATTERN.sub(_hidden_field, text)
    return _SEEN.hide(text)


def redact_headers(headers: Mapping[str, str], secrets: Iterable[str] = ()) -> dict[str, str]:
    secrets = tuple(secrets)
    return {
        name: REDACTED if name.lower() in _SECRET_HEADERS else redact_text(value, secrets)
        for name, value in headers.items()
    }
