"""What the stream reads from the guest's JWT: the token in the eventStreamUri and its claims.

Hiding the token is not done here: logs, reprs and messages go through the client core's
redaction like every other text.

The token is read without verifying its signature: the client only needs its claims (the
conversation, the member, the expiry) to know where it stands, and the service is the one that
checks it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from ..models.protocol import (
    CLAIM_CONVERSATION,
    CLAIM_DATA,
    CLAIM_EXPIRES_AT,
    CLAIM_MEMBER,
    TOKEN_SEGMENT_PATTERN,
)

_TOKEN_SEGMENT = re.compile(TOKEN_SEGMENT_PATTERN)


def token_from_uri(uri: str) -> str | None:
    """The JWT an event-stream URI carries in its ``/token/<jwt>`` path segment, if any."""
    match = _TOKEN_SEGMENT.search(uri)
    return match.group(2) if match else None


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The claims of a guest JWT that matter to the client."""

    conversation_id: str | None
    member_id: str | None
    expires_at: float | None

    def expired(self) -> bool:
        return self.expires_at is not None and time.time() >= self.expires_at

    def __repr__(self) -> str:
        return (
            f"TokenClaims(conversation_id={self.conversation_id!r}, "
            f"member_id={self.member_id!r}, expires_at={self.expires_at!r})"
        )


_NO_CLAIMS = TokenClaims(conversation_id=None, member_id=None, expires_at=None)


def read_claims(jwt: str | None) -> TokenClaims:
    """The claims of a guest JWT. A token that cannot be read yields empty claims, not an error:
    the service is the judge of a token, and it will say so."""
    if not jwt:
        return _NO_CLAIMS
    parts = jwt.split(".")
    if len(parts) != 3:
        return _NO_CLAIMS
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data: Any = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return _NO_CLAIMS
    if not isinstance(data, dict):
        return _NO_CLAIMS
    inner = data.get(CLAIM_DATA)
    if not isinstance(inner, dict):
        inner = {}
    exp = data.get(CLAIM_EXPIRES_AT)
    expires_at = float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
    return TokenClaims(
        conversation_id=_text(inner.get(CLAIM_CONVERSATION)),
        member_id=_text(inner.get(CLAIM_MEMBER)) or _text(data.get(CLAIM_MEMBER)),
        expires_at=expires_at,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
