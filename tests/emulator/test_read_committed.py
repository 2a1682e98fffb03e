"""Readers see only committed changes.

A change the database refuses is the observable case of an uncommitted one: the service treats it
exactly like one a crash erased. The database file gets a trigger that refuses chosen rows, so the
refusal is real (a failing COMMIT of the service's own transaction), immediate and deterministic.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, ControlError, LocalService

from ..helpers import API, WAIT, Guest, create_body, is_message

SENDS = 120
READERS = 4


def _refuse(db: Path, table: str, condition: str) -> None:
    """Makes the database refuse the inserts into ``table`` for which ``condition`` holds."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} WHEN {condition} "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    conn.close()


async def _history(guest: Guest) -> list[dict[str, Any]]:
    """The whole history, page by page."""
    entities: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    while True:
        page = await guest.request("GET", "/messages", params=params)
        assert page.status_code == 200, page.text
        entities.extend(page.json()["entities"])
        following = page.json().get("next")
        if following is None:
            return entities
        params = {"after": following}


async def _started(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> tuple[LocalService, Path]:
    db = tmp_path / "chats.db"
    # The readers poll as fast as they can for as long as the sends take, which on a loaded
    # machine is past the per-minute rate limit; 429s are not what these tests are about.
    return service_factory(agent="manual", db_path=db, rate_limit_per_minute=0), db


async def test_reads_never_show_a_message_whose_commit_failed(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    service, db = await _started(service_factory, tmp_path)
    async with httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as http:
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        stream = await guest.connect()
        await stream.wait_for(lambda f: is_message(f, "member-join", sender=guest.member_id))
        _refuse(db, "messages", "NEW.body LIKE 'refused %'")

        acknowledged: dict[str, str] = {}
        failed: set[str] = set()
        seen: dict[str, str] = {}
        sending = True

        async def send(n: int) -> None:
            body = f"refused {n}" if n % 7 == 0 else f"kept {n}"
            response = await guest.send(body)
            if response.status_code == 200:
                acknowledged[response.json()["id"]] = body
            else:
                assert response.status_code == 500, response.text
                failed.add(body)

        async def read() -> None:
            while sending:
                page = await guest.request("GET", "/messages", params={"sortOrder": "descending"})
                assert page.status_code == 200, page.text
                for message in page.json()["entities"]:
                    seen[message["id"]] = message["body"]
                    single = await guest.request("GET", f"/messages/{message['id']}")
                    assert single.status_code == 200, single.text

        readers = [asyncio.create_task(read()) for _ in range(READERS)]
        await asyncio.gather(*(send(n) for n in range(SENDS)))
        sending = False
        await asyncio.gather(*readers)

        assert failed, "no commit was refused: the trigger did not take"
        assert acknowledged, "every commit was refused: nothing was tested"
        assert failed.isdisjoint(seen.values())
        history = {m["id"]: m["body"] for m in await _history(guest)}
        assert set(seen) <= set(history)
        assert failed.isdisjoint(history.values())
        standard = {mid: body for mid, body in history.items() if body}
        assert standard == acknowledged
        await stream.close()


async def test_reads_never_show_a_member_whose_commit_failed(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    service, db = await _started(service_factory, tmp_path)
    async with (
        httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as http,
        AsyncControlClient(service.control_url) as control,
    ):
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        stream = await guest.connect()
        await stream.wait_for(lambda f: is_message(f, "member-join", sender=guest.member_id))
        _refuse(db, "members", "json_extract(NEW.profile, '$.displayName') = 'Refused'")
        before = (await guest.request("GET", "/members")).json()["entities"]

        with pytest.raises(ControlError) as refused:
            await control.join_agent(guest.id, "Refused")
        assert refused.value.status == 500
        members = (await guest.request("GET", "/members")).json()["entities"]
        assert members == before
        summary = (await control.conversations())[0]
        assert [m["id"] for m in summary["members"]] == [m["id"] for m in before]

        agent = await control.join_agent(guest.id, "Alice")
        own = await guest.request("GET", f"/members/{agent['id']}")
        assert own.status_code == 200
        assert own.json()["state"] == "CONNECTED"
        await stream.close()
