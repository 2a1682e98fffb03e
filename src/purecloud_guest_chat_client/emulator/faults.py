"""Fault injection, configured through the control API: failing requests, latency, dropped and
silent streams, raw frames."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .api_error import ApiError

ALL_CONVERSATIONS = "*"


@dataclass
class ErrorRule:
    status: int
    count: int
    method: str | None
    path_contains: str | None
    retry_after: int | None
    code: str | None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path_contains is None or self.path_contains in path

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "count": self.count}
        for key, value in (
            ("method", self.method),
            ("pathContains", self.path_contains),
            ("retryAfter", self.retry_after),
            ("code", self.code),
        ):
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class DropRequest:
    conversation_id: str | None
    count: int


@dataclass(frozen=True)
class RawFrames:
    conversation_id: str
    frames: list[str]


@dataclass(frozen=True)
class FaultRequest:
    """One POST to the control API's faults, validated."""

    drop: DropRequest | None = None
    errors: list[ErrorRule] | None = None
    latency_ms: int | None = None
    silence: str | None = None  # a conversation id or ALL_CONVERSATIONS
    raw_frames: RawFrames | None = None


_KEYS = {"dropStreams", "errors", "latencyMs", "silence", "rawFrames"}


def _invalid(message: str) -> ApiError:
    return ApiError.bad_request(f"Invalid fault configuration: {message}")


def _optional_str(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise _invalid(f"{where}.{key} must be a non-empty string")
    return value


def _whole_number(value: Any) -> int | None:
    """``value`` as an int if it is a JSON number without a fraction: JSON has one number type,
    and many encoders write a whole number as ``5.0``. A boolean is no number here."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _optional_int(data: dict[str, Any], key: str, where: str, minimum: int) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    number = _whole_number(value)
    if number is None or number < minimum:
        raise _invalid(f"{where}.{key} must be an integer >= {minimum}")
    return number


def _object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(f"{where} must be an object")
    return value


def parse_fault_request(data: Any) -> FaultRequest:
    if not isinstance(data, dict) or not data:
        raise _invalid(f"send an object with any of {sorted(_KEYS)}")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise _invalid(f"unknown key(s) {unknown}; known: {sorted(_KEYS)}")
    request: dict[str, Any] = {}
    if "dropStreams" in data:
        drop = _object(data["dropStreams"], "dropStreams")
        request["drop"] = DropRequest(
            _optional_str(drop, "conversationId", "dropStreams"),
            _optional_int(drop, "count", "dropStreams", 0) or 0,
        )
    if "errors" in data:
        rules = data["errors"]
        if not isinstance(rules, list):
            raise _invalid("errors must be a list")
        request["errors"] = [_error_rule(rule, f"errors[{i}]") for i, rule in enumerate(rules)]
    if "latencyMs" in data:
        latency = _optional_int(data, "latencyMs", "", 0)
        request["latency_ms"] = latency or 0
    if "silence" in data:
        silence = _object(data["silence"], "silence")
        request["silence"] = (
            _optional_str(silence, "conversationId", "silence") or ALL_CONVERSATIONS
        )
    if "rawFrames" in data:
        raw = _object(data["rawFrames"], "rawFrames")
        cid = _optional_str(raw, "conversationId", "rawFrames")
        frames = raw.get("frames")
        if cid is None:
            raise _invalid("rawFrames.conversationId is required")
        if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
            raise _invalid("rawFrames.frames must be a list of strings")
        request["raw_frames"] = RawFrames(cid, frames)
    return FaultRequest(**request)


def _error_rule(data: Any, where: str) -> ErrorRule:
    rule = _object(data, where)
    status = _whole_number(rule.get("status"))
    if status is None or not 400 <= status <= 599:
        raise _invalid(f"{where}.status must be an HTTP error status (400-599)")
    method = _optional_str(rule, "method", where)
    return ErrorRule(
        status=status,
        count=_optional_int(rule, "count", where, 1) or 1,
        method=method.upper() if method else None,
        path_contains=_optional_str(rule, "pathContains", where),
        retry_after=_optional_int(rule, "retryAfter", where, 0),
        code=_optional_str(rule, "code", where),
    )


class Faults:
    """The faults in force. Touched only from the event loop."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.error_rules: list[ErrorRule] = []
        self.latency_ms = 0
        self.silenced: set[str] = set()
        self.pending_drops: dict[str | None, int] = {}

    def take_error(self, method: str, path: str) -> ApiError | None:
        """The injected failure for this request, if a rule matches (using up one of its count)."""
        for rule in self.error_rules:
            if rule.matches(method, path):
                rule.count -= 1
                if rule.count <= 0:
                    self.error_rules.remove(rule)
                retry_after = rule.retry_after
                if retry_after is None and rule.status == 429:
                    retry_after = 1
                return ApiError.for_status(rule.status, rule.code, retry_after)
        return None

    def is_silenced(self, conversation_id: str) -> bool:
        return bool(self.silenced) and (
            ALL_CONVERSATIONS in self.silenced or conversation_id in self.silenced
        )

    def take_drop_on_attach(self, conversation_id: str) -> bool:
        for key in (conversation_id, None):
            remaining = self.pending_drops.get(key, 0)
            if remaining > 0:
                if remaining == 1:
                    del self.pending_drops[key]
                else:
                    self.pending_drops[key] = remaining - 1
                return True
        return False

    def to_dict(self) -> dict[str, Any]:
        return {
            "errors": [rule.to_dict() for rule in self.error_rules],
            "latencyMs": self.latency_ms,
            "silence": sorted(self.silenced),
            "pendingDrops": [
                {"conversationId": key, "count": count} if key else {"count": count}
                for key, count in self.pending_drops.items()
            ],
        }
