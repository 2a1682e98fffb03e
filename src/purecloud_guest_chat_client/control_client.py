"""Clients for the control API: drive agents, media requests and faults from tests and tools."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx2

from .control_content import ContentItem, check_content

# The control API's largest page: listing every chat takes the fewest calls.
_LIST_PAGE_SIZE = 500
_FAULT_KEYS = {
    "drop_streams": "dropStreams",
    "latency_ms": "latencyMs",
    "raw_frames": "rawFrames",
}


class ControlError(Exception):
    """The control API answered with an error."""

    def __init__(self, status: int, code: str | None, message: str, body: Any) -> None:
        super().__init__(f"{status} {code or ''}: {message}".strip())
        self.status = status
        self.code = code
        self.body = body


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)


def _result(response: httpx2.Response) -> Any:
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("code") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else response.text[:200]
        raise ControlError(response.status_code, code, str(message), body)
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


def _require(value: str, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


class _Calls:
    """The control API's operations, as requests; the sync and async clients only send them."""

    @staticmethod
    def conversations(page_number: int = 1) -> _Call:
        params = {"pageSize": str(_LIST_PAGE_SIZE), "pageNumber": str(page_number)}
        return _Call("GET", "/conversations", params=params)

    @staticmethod
    def next_conversations(page: dict[str, Any]) -> _Call | None:
        """The call for the page after ``page``, or None after the last one."""
        if not page.get("nextUri"):
            return None
        return _Calls.conversations(int(page["pageNumber"]) + 1)

    @staticmethod
    def conversation(cid: str) -> _Call:
        return _Call("GET", f"/conversations/{_require(cid, 'cid')}")

    @staticmethod
    def join_agent(cid: str, display_name: str) -> _Call:
        _require(display_name, "display_name")
        return _Call(
            "POST", f"/conversations/{_require(cid, 'cid')}/agents", {"displayName": display_name}
        )

    @staticmethod
    def send(
        cid: str,
        member_id: str,
        body: str,
        body_type: str,
        content: Sequence[ContentItem] | None,
    ) -> _Call:
        if not isinstance(body, str):
            raise ValueError(f"body must be a string, got {type(body).__name__}")
        path = f"/conversations/{_require(cid, 'cid')}/members/{_require(member_id, 'member_id')}"
        request: dict[str, Any] = {"body": body, "bodyType": body_type}
        if content is not None:
            if body_type != "standard":
                raise ValueError(f"only a standard message carries content, not {body_type!r}")
            request["content"] = check_content(content)
        return _Call("POST", path + "/messages", request)

    @staticmethod
    def typing(cid: str, member_id: str) -> _Call:
        path = f"/conversations/{_require(cid, 'cid')}/members/{_require(member_id, 'member_id')}"
        return _Call("POST", path + "/typing")

    @staticmethod
    def leave(cid: str, member_id: str, end: bool) -> _Call:
        path = f"/conversations/{_require(cid, 'cid')}/members/{_require(member_id, 'member_id')}"
        return _Call("DELETE", path, params={"end": "true" if end else "false"})

    @staticmethod
    def transfer(cid: str, display_name: str) -> _Call:
        _require(display_name, "display_name")
        return _Call(
            "POST", f"/conversations/{_require(cid, 'cid')}/transfer", {"displayName": display_name}
        )

    @staticmethod
    def media_request(cid: str, types: list[str]) -> _Call:
        if isinstance(types, str) or not types:
            raise ValueError("types must be a non-empty list such as ['COBROWSE']")
        return _Call(
            "POST", f"/conversations/{_require(cid, 'cid')}/mediarequests", {"types": list(types)}
        )

    @staticmethod
    def set_faults(faults: dict[str, Any]) -> _Call:
        if not faults:
            raise ValueError(
                "name at least one fault: dropStreams, errors, latencyMs, silence, rawFrames"
            )
        return _Call("POST", "/faults", {_FAULT_KEYS.get(k, k): v for k, v in faults.items()})

    @staticmethod
    def faults() -> _Call:
        return _Call("GET", "/faults")

    @staticmethod
    def clear_faults() -> _Call:
        return _Call("DELETE", "/faults")


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


class ControlClient:
    """Synchronous control API client. ``control_url`` is ``LocalService.control_url``."""

    def __init__(self, control_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        _require(control_url, "control_url")
        self.control_url = control_url.rstrip("/")
        self._http = httpx2.Client(
            base_url=self.control_url, headers=_headers(token), timeout=timeout
        )

    def __repr__(self) -> str:
        return f"ControlClient({self.control_url!r})"

    def _send(self, call: _Call) -> Any:
        kwargs: dict[str, Any] = {"params": call.params} if call.params else {}
        if call.json is not None:
            kwargs["json"] = call.json
        return _result(self._http.request(call.method, call.path, **kwargs))

    def conversations(self) -> list[dict[str, Any]]:
        """Every chat the service keeps in memory, page after page."""
        entities: list[dict[str, Any]] = []
        call: _Call | None = _Calls.conversations()
        while call is not None:
            page = self._send(call)
            entities.extend(page["entities"])
            call = _Calls.next_conversations(page)
        return entities

    def conversation(self, cid: str) -> dict[str, Any]:
        return dict(self._send(_Calls.conversation(cid)))

    def join_agent(self, cid: str, display_name: str = "Agent") -> dict[str, Any]:
        return dict(self._send(_Calls.join_agent(cid, display_name)))

    def send(
        self,
        cid: str,
        member_id: str,
        body: str,
        body_type: str = "standard",
        *,
        content: Sequence[ContentItem] | None = None,
    ) -> dict[str, Any]:
        """Sends ``body`` as the agent ``member_id``, with structured ``content`` (quick
        replies, cards, carousels, list and date pickers; see ``control_content``) if given:
        checked here first, :class:`~.control_content.ContentError` naming the bad field. A Web
        Messaging guest gets the text and the content, a Guest Chat guest the text only."""
        return dict(self._send(_Calls.send(cid, member_id, body, body_type, content)))

    def typing(self, cid: str, member_id: str) -> dict[str, Any]:
        return dict(self._send(_Calls.typing(cid, member_id)))

    def leave(self, cid: str, member_id: str, end: bool = False) -> None:
        self._send(_Calls.leave(cid, member_id, end))

    def transfer(self, cid: str, display_name: str) -> dict[str, Any]:
        return dict(self._send(_Calls.transfer(cid, display_name)))

    def media_request(self, cid: str, types: list[str]) -> dict[str, Any]:
        return dict(self._send(_Calls.media_request(cid, types)))

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return dict(self._send(_Calls.set_faults(faults)))

    def faults(self) -> dict[str, Any]:
        return dict(self._send(_Calls.faults()))

    def clear_faults(self) -> dict[str, Any]:
        return dict(self._send(_Calls.clear_faults()))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncControlClient:
    """Asynchronous control API client, with the same operations as ``ControlClient``."""

    def __init__(self, control_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        _require(control_url, "control_url")
        self.control_url = control_url.rstrip("/")
        self._http = httpx2.AsyncClient(
            base_url=self.control_url, headers=_headers(token), timeout=timeout
        )

    def __repr__(self) -> str:
        return f"AsyncControlClient({self.control_url!r})"

    async def _send(self, call: _Call) -> Any:
        kwargs: dict[str, Any] = {"params": call.params} if call.params else {}
        if call.json is not None:
            kwargs["json"] = call.json
        return _result(await self._http.request(call.method, call.path, **kwargs))

    async def conversations(self) -> list[dict[str, Any]]:
        """Every chat the service keeps in memory, page after page."""
        entities: list[dict[str, Any]] = []
        call: _Call | None = _Calls.conversations()
        while call is not None:
            page = await self._send(call)
            entities.extend(page["entities"])
            call = _Calls.next_conversations(page)
        return entities

    async def conversation(self, cid: str) -> dict[str, Any]:
        return dict(await self._send(_Calls.conversation(cid)))

    async def join_agent(self, cid: str, display_name: str = "Agent") -> dict[str, Any]:
        return dict(await self._send(_Calls.join_agent(cid, display_name)))

    async def send(
        self,
        cid: str,
        member_id: str,
        body: str,
        body_type: str = "standard",
        *,
        content: Sequence[ContentItem] | None = None,
    ) -> dict[str, Any]:
        """Sends ``body`` as the agent ``member_id``, with structured ``content`` (quick
        replies, cards, carousels, list and date pickers; see ``control_content``) if given:
        checked here first, :class:`~.control_content.ContentError` naming the bad field. A Web
        Messaging guest gets the text and the content, a Guest Chat guest the text only."""
        return dict(await self._send(_Calls.send(cid, member_id, body, body_type, content)))

    async def typing(self, cid: str, member_id: str) -> dict[str, Any]:
        return dict(await self._send(_Calls.typing(cid, member_id)))

    async def leave(self, cid: str, member_id: str, end: bool = False) -> None:
        await self._send(_Calls.leave(cid, member_id, end))

    async def transfer(self, cid: str, display_name: str) -> dict[str, Any]:
        return dict(await self._send(_Calls.transfer(cid, display_name)))

    async def media_request(self, cid: str, types: list[str]) -> dict[str, Any]:
        return dict(await self._send(_Calls.media_request(cid, types)))

    async def set_faults(self, **faults: Any) -> dict[str, Any]:
        return dict(await self._send(_Calls.set_faults(faults)))

    async def faults(self) -> dict[str, Any]:
        return dict(await self._send(_Calls.faults()))

    async def clear_faults(self) -> dict[str, Any]:
        return dict(await self._send(_Calls.clear_faults()))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncControlClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
