"""The simulated contact centre: organisations, deployments, queues and agents.

Read from a TOML or JSON file::

    [[organizations]]
    id = "org-1"
    name = "Example"

    [[deployments]]
    id = "dep-1"
    organizationId = "org-1"         # optional
    enabled = true
    requiresAuth = false             # then memberAuthToken is required ...
    authTokens = ["s3cret"]          # ... and must be one of these (any when absent)
    allowedOrigins = ["https://www.example.com"]   # the Origin header must be listed; "*" = any
    # Web Messaging features (each optional; these are the defaults):
    showUserTypingIndicator = true   # the guest may send typing events (else 403)
    conversationClear = true         # the guest may clear the conversation (else 403)
    allowSessionUpgrade = true       # signing in on an anonymous session keeps it (else 403)
    conversationDisconnect = "ReadOnly"   # the agent's end makes the session read-only, or
                                          # "Send": the guest's next message starts anew

    [[queues]]
    name = "Support"
    organizationId = "org-1"         # optional
    agents = ["Alice", "Bob"]        # display names of the agents who answer this queue

    [[agents]]
    displayName = "Carol"            # answers any queue without agents of its own

A section that is absent accepts anything, and so does a service started without a file.
"""

from __future__ import annotations

import itertools
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models.web_messaging_protocol import DisconnectType
from .api_error import ApiError

DEFAULT_AGENT_NAME = "Agent"


@dataclass(frozen=True)
class Deployment:
    id: str
    organization_id: str | None = None
    enabled: bool = True
    requires_auth: bool = False
    # Web Messaging: whether signing in on an anonymous session's token keeps that session.
    allow_session_upgrade: bool = True
    auth_tokens: tuple[str, ...] | None = None
    allowed_origins: tuple[str, ...] | None = None
    user_typing: bool = True
    conversation_clear: bool = True
    conversation_disconnect: DisconnectType = DisconnectType.READ_ONLY

    def allows_origin(self, origin: str | None) -> bool:
        """Whether a page of ``origin`` may open a Web Messaging session; the comparison ignores
        case and a trailing slash, which browsers and clients write differently."""
        if self.allowed_origins is None or "*" in self.allowed_origins:
            return True
        if origin is None:
            return False
        wanted = origin.strip().lower().rstrip("/")
        return any(wanted == entry.strip().lower().rstrip("/") for entry in self.allowed_origins)


@dataclass(frozen=True)
class Queue:
    name: str
    organization_id: str | None = None
    agents: tuple[str, ...] = ()


@dataclass
class ContactCentre:
    organizations: dict[str, str] | None = None
    deployments: dict[str, Deployment] | None = None
    queues: dict[str, Queue] | None = None
    agents: tuple[str, ...] = ()
    _rotation: dict[str, itertools.cycle[str]] = field(default_factory=dict)

    def admit(
        self,
        organization_id: str,
        deployment_id: str,
        queue_name: str,
        origin: str | None,
        member_auth_token: str | None,
    ) -> bool:
        """Checks a new chat against the configuration; returns whether the guest authenticated."""
        if self.organizations is not None and organization_id not in self.organizations:
            raise ApiError.invalid_value("organizationId", organization_id, "a known organization")
        deployment = None
        if self.deployments is not None:
            deployment = self.deployments.get(deployment_id)
            if deployment is None or deployment.organization_id not in (None, organization_id):
                raise ApiError.invalid_value("deploymentId", deployment_id, "a known deployment")
        if self.queues is not None:
            queue = self.queues.get(queue_name)
            if queue is None or queue.organization_id not in (None, organization_id):
                raise ApiError(400, "chat.error.invalid.queue", "The specified queue is not valid.")
        if deployment is None:
            return member_auth_token is not None
        origins = deployment.allowed_origins
        if origins is not None and "*" not in origins and origin not in origins:
            raise ApiError.origin_not_allowed()
        if not deployment.enabled:
            raise ApiError(
                400, "chat.deployment.disabled", "The web chat deployment is currently disabled."
            )
        if deployment.requires_auth:
            if member_auth_token is None:
                raise ApiError(
                    400,
                    "chat.deployment.require.auth",
                    "The deployment requires the customer member to be authenticated.",
                )
            if (
                deployment.auth_tokens is not None
                and member_auth_token not in deployment.auth_tokens
            ):
                raise ApiError(
                    400,
                    "chat.deployment.bad.auth",
                    "The customer member authentication has failed.",
                )
            return True
        return False

    def next_agent_name(self, queue_name: str) -> str:
        queue = (self.queues or {}).get(queue_name)
        names = (queue.agents if queue else ()) or self.agents
        if not names:
            return DEFAULT_AGENT_NAME
        rotation = self._rotation.setdefault(queue_name, itertools.cycle(names))
        return next(rotation)


def load_contact_centre(path: str | Path | None) -> ContactCentre:
    if path is None:
        return ContactCentre()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read the config file {file}: {exc.strerror}") from None
    try:
        data = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"the config file {file} is not valid: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"the config file {file} must hold an object/table at the top")
    return _parse(data, file)


def _entries(data: dict[str, Any], key: str, file: Path) -> list[dict[str, Any]] | None:
    if key not in data:
        return None
    entries = data[key]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"{file}: '{key}' must be a list of tables/objects")
    return entries


def _str(entry: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: '{key}' must be a non-empty string")
    return value


def _bool(entry: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: '{key}' must be true or false")
    return value


def _names(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(value)


def _disconnect_type(entry: dict[str, Any], where: str) -> DisconnectType:
    value = entry.get("conversationDisconnect", DisconnectType.READ_ONLY.value)
    if value not in tuple(DisconnectType):
        choices = " or ".join(repr(t.value) for t in DisconnectType)
        raise ValueError(f"{where}: 'conversationDisconnect' must be {choices}")
    return DisconnectType(value)


def _parse(data: dict[str, Any], file: Path) -> ContactCentre:
    unknown = sorted(set(data) - {"organizations", "deployments", "queues", "agents"})
    if unknown:
        raise ValueError(f"{file}: unknown section(s) {unknown}")
    centre = ContactCentre()
    organizations = _entries(data, "organizations", file)
    if organizations is not None:
        centre.organizations = {}
        for i, entry in enumerate(organizations):
            where = f"{file}: organizations[{i}]"
            oid = _str(entry, "id", where, required=True)
            assert oid is not None
            centre.organizations[oid] = _str(entry, "name", where) or oid
    deployments = _entries(data, "deployments", file)
    if deployments is not None:
        centre.deployments = {}
        for i, entry in enumerate(deployments):
            where = f"{file}: deployments[{i}]"
            did = _str(entry, "id", where, required=True)
            assert did is not None
            centre.deployments[did] = Deployment(
                id=did,
                organization_id=_str(entry, "organizationId", where),
                enabled=_bool(entry, "enabled", where, True),
                requires_auth=_bool(entry, "requiresAuth", where, False),
                allow_session_upgrade=_bool(entry, "allowSessionUpgrade", where, True),
                auth_tokens=_names(entry, "authTokens", where),
                allowed_origins=_names(entry, "allowedOrigins", where),
                user_typing=_bool(entry, "showUserTypingIndicator", where, True),
                conversation_clear=_bool(entry, "conversationClear", where, True),
                conversation_disconnect=_disconnect_type(entry, where),
            )
    queues = _entries(data, "queues", file)
    if queues is not None:
        centre.queues = {}
        for i, entry in enumerate(queues):
            where = f"{file}: queues[{i}]"
            name = _str(entry, "name", where, required=True)
            assert name is not None
            centre.queues[name] = Queue(
                name=name,
                organization_id=_str(entry, "organizationId", where),
                agents=_names(entry, "agents", where) or (),
            )
    agents = _entries(data, "agents", file)
    if agents is not None:
        names = []
        for i, entry in enumerate(agents):
            name = _str(entry, "displayName", f"{file}: agents[{i}]", required=True)
            assert name is not None
            names.append(name)
        centre.agents = tuple(names)
    return centre
