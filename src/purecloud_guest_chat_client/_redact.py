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

import logging
import re
import threading
from collections.abc import Iterable, Mapping

from .models.protocol import TOKEN_SEGMENT, TOKEN_SEGMENT_PATTERN

__all__ = [
    "MIN_FRAGMENT",
    "REDACTED",
    "RedactTokens",
    "redact_headers",
    "redact_text",
    "redacting_logger",
    "remember_secret",
]

REDACTED = "[REDACTED]"
# The value net compares runs of token characters with the tokens seen by their pieces of _GRAM
# characters, indexed every _STRIDE characters: that keeps a lookup constant-time however many
# tokens are remembered, and still finds every piece of MIN_FRAGMENT characters or more (and
# most pieces of _GRAM or more). Shorter pieces of a token reveal too little to matter.
_GRAM = 8
_STRIDE = 4
MIN_FRAGMENT = _GRAM + _STRIDE - 1
# Enough for every guest a load run keeps in one process (about 10 KB each); the oldest are
# forgotten first, and the patterns still catch those.
_REMEMBERED_LIMIT = 2048
# What a pattern finds is remembered only from this length on: real credentials are long.
_REMEMBERED_MIN = 16

# A JWT: three base64url parts, the first always starting with '{"' encoded as "eyJ". The last
# part may be cut off by a formatter that truncates.
_JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)([^\s\"',;\\]+)")
# The eventStreamUri carries the token as a path segment, whatever its shape.
_TOKEN_SEGMENT_PATTERN = re.compile(TOKEN_SEGMENT_PATTERN)
# A credential field in JSON (``"jwt":"..."``), in a repr (``jwt='...'``) or in a query string.
_SECRET_FIELD_PATTERN = re.compile(
    r"(?i)((?<![A-Za-z0-9_])[\"']?(?:jwt|token|access_?token|refresh_?token|control_?token)"
    r"[\"']?\s*[:=]\s*[\"']?)([^\s\"'&,;}\]\\]+)"
)
# Runs of the characters tokens are made of: what the value net compares with the tokens seen.
_RUN_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{_GRAM},}}")
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_.-]+")
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


class _SeenSecrets:
    """The credentials this process has seen, bounded, with the hashes of their pieces."""

    __slots__ = ("_grams", "_lock", "_odd", "_values")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, None] = {}
        self._grams: set[int] = set()
        # Secrets with characters outside the run alphabet, also looked for whole.
        self._odd: tuple[str, ...] = ()

    def add(self, secret: str) -> None:
        if len(secret) < _GRAM or secret in self._values:
            return
        with self._lock:
            if secret in self._values:
                return
            self._values[secret] = None
            if len(self._values) <= _REMEMBERED_LIMIT:
                # In place: readers only test membership, each test atomic under the GIL.
                self._grams.update(_grams_of(secret))
                if _is_odd(secret):
                    self._odd = (*self._odd, secret)
                return
            # The oldest quarter goes at once, so that a long run adding guests rebuilds the
            # index once per few hundred of them, not on every one.
            for old in list(self._values)[: _REMEMBERED_LIMIT // 4]:
                del self._values[old]
            self._grams = set().union(*map(_grams_of, self._values))
            self._odd = tuple(filter(_is_odd, self._values))

    def hide(self, text: str) -> str:
        grams, odd = self._grams, self._odd
        if not grams:
            return text
        for secret in odd:
            if secret in text:
                text = text.replace(secret, REDACTED)

        def piece_of_a_secret(match: re.Match[str]) -> str:
            run = match.group()
            last = len(run) - _GRAM
            # A piece of a token begins or ends its run (a token is set off by quotes, dots,
            # slashes, "..."), so the windows at the run's two ends are enough.
            for start in (
                *range(min(_STRIDE, last + 1)),
                *range(max(0, last - _STRIDE + 1), last + 1),
            ):
                if hash(run[start : start + _GRAM]) in grams:
                    return REDACTED
            return run

        return _RUN_PATTERN.sub(piece_of_a_secret, text)


def _is_odd(secret: str) -> bool:
    """Whether ``secret`` has characters that are not a token's (base64url and dots), so that
    its pieces alone might not cover it."""
    return _TOKEN_PATTERN.fullmatch(secret) is None


def _grams_of(secret: str) -> set[int]:
    return {
        hash(run[start : start + _GRAM])
        for run in _RUN_PATTERN.findall(secret)
        for start in range(0, len(run) - _GRAM + 1, _STRIDE)
    }


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
    if TOKEN_SEGMENT in text:
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


class RedactTokens(logging.Filter):
    """Rewrites a record so that no credential survives in its message, its traceback (an
    exception's text may quote the URI) or its stack. A logger's filter sees only the records
    logged on that very logger, not its children's: each logger that may carry one needs it."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info:
            # Handlers print exc_text when it is set; without exc_info none can format the
            # exception afresh from the original.
            record.exc_text = redact_text(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def redacting_logger(name: str) -> logging.Logger:
    """The logger ``name``, with :class:`RedactTokens` installed once."""
    named = logging.getLogger(name)
    if not any(isinstance(existing, RedactTokens) for existing in named.filters):
        named.addFilter(RedactTokens())
    return named
