"""Load testing: many guests chatting at once, measured message by message.

- :class:`LoadPlan` says what the guests do; :class:`LoadRun` runs them on asyncio in this
  process and fills a :class:`Recorder` (latencies, errors, retries, reconnects, lost and
  duplicated messages, the generator's own CPU).
- :mod:`.report` writes ``results.json`` and :mod:`.plots` the PNG plots (matplotlib, in the
  ``[load]`` extra).
- :mod:`purecloud_guest_chat_client.load.locust` carries the same guest to many machines with
  Locust (import it only from a locustfile: it runs under gevent).

``guestchat load`` is the command line over all of this.
"""

from __future__ import annotations

from .engine import LoadRun, LoadTarget
from .metrics import Recorder
from .plan import LoadPlan, ThinkTime

__all__ = ["LoadPlan", "LoadRun", "LoadTarget", "Recorder", "ThinkTime"]
