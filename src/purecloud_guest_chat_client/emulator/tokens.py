"""Signed guest JWTs with the real claim layout, and the key that signs them."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .errors import ApiError
from .store import Store

ISSUER = "urn:purecloud:webchat"
_ALGORITHM = "RS256"
_KEY_META = "jwt_private_key"
_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class Claims:
    conversation_id: str
    deployment_id: str
    member_id: str
    organization_id: str
    expires_at: int


def load_or_create_key(store: Store) -> str:
    """The PEM private key kept in the database, created on first start."""
    pem = store.get_meta(_KEY_META)
    if pem is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        store.set_meta(_KEY_META, pem)
    return pem


class TokenAuthority:
    """Issues and verifies guest tokens.

    Verified tokens are cached, which keeps RSA work off the hot path.
    """

    def __init__(self, private_pem: str, lifetime_seconds: int) -> None:
        self._private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        self._public_key = self._private_key.public_key()
        self._lifetime = lifetime_seconds
        self._verified: dict[str, Claims] = {}

    def issue(
        self, conversation_id: str, deployment_id: str, member_id: str, organization_id: str
    ) -> str:
        now = int(time.time())
        payload = {
            "data": {"conv": conversation_id, "did": deployment_id, "sub": member_id},
            "org": organization_id,
            "iss": ISSUER,
            "iat": now,
            "exp": now + self._lifetime,
        }
        return jwt.encode(payload, self._private_key, algorithm=_ALGORITHM)  # type: ignore[arg-type]

    def verify(self, token: str) -> Claims:
        """The token's claims, or an ApiError 401 (bad.credentials / credentials.expired)."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token)
            if len(self._verified) >= _CACHE_LIMIT:
                self._verified.clear()
            self._verified[token] = claims
        if claims.expires_at <= time.time():
            raise ApiError.credentials_expired()
        return claims

    def _decode(self, token: str) -> Claims:
        try:
            payload = jwt.decode(
                token,
                self._public_key,  # type: ignore[arg-type]
                algorithms=[_ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "iss"], "verify_exp": False},
            )
            data = payload["data"]
            claims = Claims(
                conversation_id=str(data["conv"]),
                deployment_id=str(data["did"]),
                member_id=str(data["sub"]),
                organization_id=str(payload["org"]),
                expires_at=int(payload["exp"]),
            )
        except (jwt.PyJWTError, KeyError, TypeError, ValueError):
            raise ApiError.bad_credentials() from None
        return claims
