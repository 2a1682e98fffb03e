"""Web Messaging credentials: the JWT a session gets from ``getJwt`` for the REST history, how a
REST request's bearer JWT is read, and signed-in guests (the OAuth code exchange, refresh and
revoke, and the sessions configured with their JWT).

The session JWT is a guest token of the service's ``TokenAuthority``, naming the session's
conversation and guest: never the session token itself, which stays the session's secret
identity and cannot be recovered from the JWT."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from ..models.web_messaging_protocol import (
    AUTH_JWT_LIFETIME_SECONDS,
    AUTHENTICATED_METADATA,
    BEARER_SCHEME,
    REFUSED_CODE_PREFIX,
)
from .api_error import ApiError
from .chat_service import ChatService
from .records import Conversation
from .store import (
    GrantRow,
    Store,
    web_messaging_grant_op,
    web_messaging_grant_revoked_op,
    web_messaging_signin_op,
)
from .token_authority import TokenAuthority
from .web_messaging_sessions import WEB_MESSAGING_QUEUE, Session

logger = logging.getLogger(__name__)


def session_jwt(tokens: TokenAuthority, conversation: Conversation) -> dict[str, Any]:
    """The ``JwtResponse`` body of a session: ``{jwt, exp}``, exp in epoch seconds."""
    jwt = tokens.issue(
        conversation.id,
        conversation.deployment_id,
        conversation.guest_id,
        conversation.organization_id,
    )
    return {"jwt": jwt, "exp": tokens.verify(jwt).expires_at}


def bearer_token(authorization: str | None) -> str:
    """The JWT of an ``Authorization: bearer <jwt>`` header (the scheme in any case), or a 401."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != BEARER_SCHEME or not token:
        raise ApiError.authentication_required()
    return token


def session_conversation(chats: ChatService, authorization: str | None) -> Conversation:
    """The conversation of the session whose JWT is in a request's ``Authorization`` header, or
    a 401: missing, forged or expired, or a Guest Chat guest's token, which is no Web Messaging
    credential (that chat has its own history)."""
    claims = chats.tokens.verify(bearer_token(authorization))
    conversation = chats.conversation(claims.conversation_id)
    if conversation.queue != WEB_MESSAGING_QUEUE:
        raise ApiError.bad_credentials()
    return conversation


# -- signed-in guests: the OAuth code exchange, refresh, revoke ----------------------------------

SIGN_IN_ISSUER = "urn:purecloud:webdeployments"
"""The issuer of a signed-in guest's JWT: no guest token of the Guest Chat API has it, so
neither kind of token passes for the other."""
_ALGORITHM = "RS256"
_CLAIM_DEPLOYMENT = "deploymentId"


@dataclass(frozen=True)
class SignedIn:
    """Who a valid sign-in JWT names."""

    grant_id: str
    deployment_id: str
    user_name: str


def _key(secret: str) -> str:
    """What the database keeps of a refresh token (a bearer secret): its hash."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class WebMessagingSignIns:
    """The grants of signed-in guests (one per code exchange, kept in the database by a hash of
    its refresh token), the JWTs issued for them, and the sessions signed in with each."""

    def __init__(self, store: Store, private_pem: str) -> None:
        self._store = store
        private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        self._private_key = private_key
        self._public_key = private_key.public_key()
        self._grants: dict[str, GrantRow] = {}
        # The sessions signed in with each grant that have connections in this process: they
        # are told of a logout.
        self._sessions: dict[str, list[Session]] = {}
        self._signed_in: dict[str, bool] = {}
        # Each user's latest signed-in session, by deployment and user name.
        self._by_user: dict[tuple[str, str], Session] = {}

    def _issue(self, grant: GrantRow) -> str:
        now = int(time.time())
        claims = {
            "iss": SIGN_IN_ISSUER,
            "sub": grant.user_name,
            "jti": grant.id,
            _CLAIM_DEPLOYMENT: grant.deployment_id,
            "iat": now,
            "exp": now + AUTH_JWT_LIFETIME_SECONDS,
        }
        return jwt.encode(claims, self._private_key, algorithm=_ALGORITHM)  # type: ignore[arg-type]

    def _grant(self, grant_id: str) -> GrantRow | None:
        grant = self._grants.get(grant_id)
        if grant is None:
            grant = self._store.web_messaging_grant(grant_id)
            if grant is not None:
                self._grants[grant_id] = grant
        return grant

    async def exchange(self, deployment_id: str, oauth: dict[str, Any]) -> dict[str, Any]:
        """The answer to the code exchange: ``{jwt, refreshToken}`` for an authorization code,
        ``{jwt}`` for an OpenID Connect id token. By the local service's convention a code or id
        token that starts with ``bad`` is refused; another signs in the user it names."""
        code = oauth.get("code")
        implicit = code is None and "idToken" in oauth
        if implicit:
            code = oauth.get("idToken")
            required = ("idToken", "nonce")
        else:
            required = ("code", "redirectUri")
        for name in required:
            value = oauth.get(name)
            if not isinstance(value, str) or not value.strip():
                raise ApiError.bad_request(f"oauth.{name} must be a non-empty string.")
        # Optional, but a string when given: null too is refused, as the schema says.
        if "codeVerifier" in oauth and not isinstance(oauth["codeVerifier"], str):
            raise ApiError.bad_request("oauth.codeVerifier must be a string.")
        assert isinstance(code, str)
        if code.startswith(REFUSED_CODE_PREFIX):
            raise ApiError.bad_request(
                "The authorization code was refused by the identity provider.", "bad.code"
            )
        user_name = code.partition(":")[0].strip()[:100] or code[:100]
        refresh_token = secrets.token_urlsafe(32)
        # Not new_id(): a grant id is a JWT id, and must be unpredictable and never repeat.
        grant = GrantRow(str(uuid.uuid4()), deployment_id, user_name, _key(refresh_token), False)
        await self._store.commit(web_messaging_grant_op(grant))
        self._grants[grant.id] = grant
        logger.info("web messaging sign-in: deployment %s", deployment_id)
        if implicit:
            return {"jwt": self._issue(grant)}
        return {"jwt": self._issue(grant), "refreshToken": refresh_token}

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """A fresh JWT for the grant of a refresh token; a 401 for one unknown or revoked."""
        grant = self._store.web_messaging_grant_by_refresh_key(_key(refresh_token))
        if grant is None or grant.revoked:
            raise ApiError.bad_credentials()
        return {"jwt": self._issue(grant)}

    def verify(self, token: str) -> SignedIn:
        """Who a sign-in JWT names; a 401 ErrorBody for one forged, expired or revoked."""
        try:
            claims = jwt.decode(
                token,
                self._public_key,  # type: ignore[arg-type]
                algorithms=[_ALGORITHM],
                issuer=SIGN_IN_ISSUER,
                options={"require": ["exp", "iat", "iss", "jti", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise ApiError.credentials_expired() from None
        except jwt.PyJWTError:
            raise ApiError.bad_credentials() from None
        grant = self._grant(str(claims["jti"]))
        if grant is None or grant.revoked:
            raise ApiError.credentials_expired()
        return SignedIn(grant.id, grant.deployment_id, grant.user_name)

    async def revoke(self, authorization: str | None) -> list[Session]:
        """Logs out the grant of a request's bearer JWT; returns the sessions signed in with it
        that have connections here (to be told). A stale JWT is a 401."""
        signed = self.verify(bearer_token(authorization))
        grant = self._grants[signed.grant_id]
        await self._store.commit(web_messaging_grant_revoked_op(grant.id))
        self._grants[grant.id] = replace(grant, revoked=True)
        return self._sessions.pop(grant.id, [])

    # -- sessions --------------------------------------------------------------------------------

    def signed_in(self, session_key: str) -> bool:
        """Whether the session of this token key was ever signed in (it stays so)."""
        known = self._signed_in.get(session_key)
        if known is None:
            known = self._store.web_messaging_signin(session_key) is not None
            self._signed_in[session_key] = known
        return known

    def metadata(self, session_key: str) -> dict[str, str] | None:
        """The metadata of a signed-in session's messages."""
        return {AUTHENTICATED_METADATA: "true"} if self.signed_in(session_key) else None

    async def sign_in(self, session: Session, signed: SignedIn) -> list[Session]:
        """Signs the session in. Returns the user's other sessions with connections here: a
        user has one signed-in session at a time, so those are closed (``signedIn``)."""
        await self._store.commit(web_messaging_signin_op(session.key, signed.grant_id))
        self._signed_in[session.key] = True
        sessions = self._sessions.setdefault(signed.grant_id, [])
        if session not in sessions:
            sessions.append(session)
        user = (signed.deployment_id, signed.user_name)
        previous = self._by_user.get(user)
        self._by_user[user] = session
        return [previous] if previous is not None and previous.key != session.key else []

    def conversation_metadata(self, conversation_id: str) -> dict[str, str] | None:
        """The metadata of the guest's messages in a conversation: ``authenticated`` when it is
        a signed-in session's."""
        signed_in = conversation_id in self._store.web_messaging_signed_in_conversations()
        return {AUTHENTICATED_METADATA: "true"} if signed_in else None
