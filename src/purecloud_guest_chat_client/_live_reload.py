"""Live reload of the configuration file, in one background thread per file.

The thread starts when the first client subscribes (never at import) and stops when the last one
leaves. It watches the file's parent directory and filters by name, because editors save
atomically (write a temporary file, then rename it over the original): a watch on the file itself
would follow the replaced inode and miss every later edit. A missing directory is polled for
until it appears.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path
from typing import Any, Protocol

from ._config_file import FileSettings, read_config_file

__all__ = ["SettingsSubscriber", "subscribe", "unsubscribe", "watching"]

_POLL_SECONDS = 0.25
_registry_lock = threading.Lock()
_watches: dict[Path, _FileWatch] = {}


class SettingsSubscriber(Protocol):
    """What a watch hands each good edit of its file to (a ``Configuration``)."""

    def apply_file_settings(self, settings: FileSettings) -> None: ...


class _FileWatch:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.subscribers: weakref.WeakSet[SettingsSubscriber] = weakref.WeakSet()
        self._stop = threading.Event()
        self._applied: FileSettings | None = read_config_file(path)
        self._thread = threading.Thread(
            target=self._run, name=f"guest-chat-config-watch:{path.name}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def _run(self) -> None:
        name = self.path.name

        def only_our_file(change: Any, changed_path: str) -> bool:
            return Path(changed_path).name == name

        while True:
            self._watch_until_idle(only_our_file)
            with _registry_lock:
                # A client may have subscribed while the loop was winding down.
                if self.subscribers and not self._stop.is_set():
                    continue
                self._stop.set()
                if _watches.get(self.path) is self:
                    del _watches[self.path]
                return

    def _watch_until_idle(self, only_our_file: Any) -> None:
        while not self._stop.is_set() and self.subscribers:
            parent = self.path.parent
            self._reload()
            if not parent.is_dir():
                self._stop.wait(_POLL_SECONDS)
                continue
            import watchfiles  # only once there is a directory to watch

            for _changes in watchfiles.watch(
                parent,
                watch_filter=only_our_file,
                stop_event=self._stop,
                debounce=50,
                step=25,
                rust_timeout=int(_POLL_SECONDS * 1000),
                yield_on_timeout=True,
                recursive=False,
                raise_interrupt=False,
            ):
                # Also runs on timeouts: catches edits made while the watch was being set up.
                self._reload()
                if not self.subscribers or not parent.is_dir():
                    break

    def _reload(self) -> None:
        settings = read_config_file(self.path)
        if settings is None or settings == self._applied:
            return  # missing or invalid: the last good settings stay
        self._applied = settings
        for config in list(self.subscribers):
            config.apply_file_settings(settings)


def subscribe(config: SettingsSubscriber, path: Path) -> None:
    with _registry_lock:
        watch = _watches.get(path)
        if watch is None or not watch.alive:
            watch = _watches[path] = _FileWatch(path)
            watch.subscribers.add(config)
            watch.start()
        else:
            watch.subscribers.add(config)


def unsubscribe(config: SettingsSubscriber, path: Path) -> None:
    with _registry_lock:
        watch = _watches.get(path)
        if watch is None:
            return
        watch.subscribers.discard(config)
        if not watch.subscribers:
            watch.stop()
            del _watches[path]


def watching() -> list[Path]:
    """The files watched right now (for diagnostics and tests)."""
    with _registry_lock:
        return [path for path, watch in _watches.items() if watch.alive]
