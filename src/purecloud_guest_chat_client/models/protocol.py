"""The Guest Chat wire facts the SDK, the event stream and the local service all rely on: where
the API and the event stream live, how long a message may be, and what a guest JWT holds.

Each fact is written here once, so the client and the service cannot drift apart. Plain values
only: importing this module costs nothing.
"""

from __future__ import annotations

from typing import Final

GUEST_API_PREFIX: Final = "/api/v2/webchat/guest/conversations"
"""The guest REST API: every guest operation's path starts with it."""

TOKEN_SEGMENT: Final = "/token/"
"""The path segment of an eventStreamUri that the guest's JWT follows."""

EVENT_STREAM_PATH: Final = "/v1" + TOKEN_SEGMENT
"""Where the event stream is served: the JWT follows it (``/v1/token/<jwt>``)."""

TOKEN_SEGMENT_PATTERN: Final = f"({TOKEN_SEGMENT})" + r"([^/?#\s'\"<>\\]+)"
"""A regular expression for the token segment of a URI, or of any text that quotes one: group 1
is the segment (:data:`TOKEN_SEGMENT`), group 2 the token, whatever its shape, up to the end of
the path (or a quote, bracket or space that sets the URI off in a text)."""

CONTROL_PREFIX: Final = "/emulator/v1"
"""The local service's control API (the contact-centre side)."""

MAX_MESSAGE_LENGTH: Final = 4000
"""The most characters a chat message's body may hold."""

# The claims of a guest JWT: the registered ones, and those of its ``data`` object, which says
# whose token it is.
CLAIM_ISSUER: Final = "iss"
CLAIM_ISSUED_AT: Final = "iat"
CLAIM_EXPIRES_AT: Final = "exp"
CLAIM_ORGANIZATION: Final = "org"
CLAIM_DATA: Final = "data"
CLAIM_CONVERSATION: Final = "conv"
CLAIM_DEPLOYMENT: Final = "did"
CLAIM_MEMBER: Final = "sub"
