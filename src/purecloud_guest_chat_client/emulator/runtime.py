"""The parts of one running service, wired together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from .bot_replies import make_responder
from .chat_service import ChatService
from .contact_centre import ContactCentre, load_contact_centre
from .faults import Faults
from .rate_limiter import RateLimiter
from .records import utc_now
from .settings import ServiceSettings
from .store import Store
from .stream_hub import SERVICE_STOPPING, StreamHub
from .token_authority import TokenAuthority, load_or_create_key


@dataclass
class Runtime:
    settings: ServiceSettings
    store: Store
    chats: ChatService
    hub: StreamHub
    faults: Faults
    limiter: RateLimiter
    centre: ContactCentre

    @classmethod
    def open(cls, settings: ServiceSettings, db_path: Path) -> Runtime:
        """Reads the configuration and the database; raises ValueError for bad settings files."""
        centre = load_contact_centre(settings.config_file)
        responder = make_responder(settings)
        store = Store(db_path)
        try:
            tokens = TokenAuthority(load_or_create_key(store), settings.jwt_lifetime_seconds)
            # Chats that ended before the retention time stay on disk only.
            retention = timedelta(seconds=settings.ended_chat_retention_seconds)
            conversations = store.load(ended_since=utc_now() - retention)
        except Exception:
            store.close()
            raise
        hub = StreamHub()
        chats = ChatService(settings, store, conversations, tokens, hub, centre, responder)
        return cls(
            settings=settings,
            store=store,
            chats=chats,
            hub=hub,
            faults=Faults(),
            limiter=RateLimiter(settings.rate_limit_per_minute),
            centre=centre,
        )

    def started(self) -> None:
        """Called on the serving event loop once it runs."""
        self.store.start_checkpoints()
        self.chats.start()

    async def stopping(self) -> None:
        self.hub.close_all(SERVICE_STOPPING)
        await self.chats.shutdown()

    def close(self) -> None:
        self.store.close()
