"""Signed guest JWTs with the real claim layout, and the key that signs them."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..models.protocol import (
    CLAIM_CONVERSATION,
    CLAIM_DATA,
    CLAIM_DEPLOYMENT,
    CLAIM_EXPIRES_AT,
    CLAIM_ISSUED_AT,
    CLAIM_ISSUER,
    CLAIM_MEMBER,
    CLAIM_ORGANIZATION,
)
from .api_error import ApiError
from .store import Store

ISSUER = "urn:purecloud:webchat"
_ALGORITHM = "RS256"
_LEGACY_KEY_META = "jwt_private_key"
_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class Claims:
    conversation_id: str
    deployment_id: str
    member_id: str
    organization_id: str
    expires_at: int


def key_path(db_path: Path) -> Path:
    """Where the signing key of the database at ``db_path`` is kept."""
    return db_path.with_name(db_path.name + "-jwt-key.pem")


def load_or_create_key(store: Store) -> str:
    """The PEM private key that signs the guests' tokens, created on first start.

    It is kept in its own file beside the database, readable by its owner only, rather than in
    the database: a copy of the chats (a backup, a file attached to a bug report) then lets no
    one forge tokens. A key that an older version kept in the database is moved out.
    """
    path = key_path(store.path)
    legacy = store.get_meta(_LEGACY_KEY_META)
    if path.exists():
        pem = path.read_text(encoding="ascii")
    else:
        pem = legacy if legacy is not None else _new_key()
        _write_private(path, pem)
    if legacy is not None:
        store.delete_meta(_LEGACY_KEY_META)
    return pem


def _new_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _write_private(path: Path, text: str) -> None:
    """Writes the file whole or not at all, durably, with owner-only permissions."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, path)


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
            CLAIM_DATA: {
                CLAIM_CONVERSATION: conversation_id,
                CLAIM_DEPLOYMENT: deployment_id,
                CLAIM_MEMBER: member_id,
            },
            CLAIM_ORGANIZATION: organization_id,
            CLAIM_ISSUER: ISSUER,
            CLAIM_ISSUED_AT: now,
            CLAIM_EXPIRES_AT: now + self._lifetime,
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
                options={
                    "require": [CLAIM_EXPIRES_AT, CLAIM_ISSUED_AT, CLAIM_ISSUER],
                    "verify_exp": False,
                },
            )
            data = payload[CLAIM_DATA]
            claims = Claims(
                conversation_id=_text(data[CLAIM_CONVERSATION]),
                deployment_id=_text(data[CLAIM_DEPLOYMENT]),
                member_id=_text(data[CLAIM_MEMBER]),
                organization_id=_text(payload[CLAIM_ORGANIZATION]),
                expires_at=_seconds(payload[CLAIM_EXPIRES_AT]),
            )
            _seconds(payload[CLAIM_ISSUED_AT])
        except (jwt.PyJWTError, KeyError, TypeError, ValueError):
            raise ApiError.bad_credentials() from None
        return claims


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("a token claim that must be a string is not")
    return value


def _seconds(value: object) -> int:
    """A NumericDate claim: JSON integer seconds (a string or a boolean is no date)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("a token's date claim is not an integer")
    return value
