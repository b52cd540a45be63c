"""Wake-ups for long-polls waiting on a user's chat (the phone view)."""

from __future__ import annotations

import asyncio


class Changes:
    """One event per watched user, set and dropped when something about them changes.

    Waiters take the event *before* reading the state they wait on; since state changes
    and notifications run on the same event loop without awaiting in between, no change
    can fall between the read and the wait. Notifying an unwatched user costs one dict
    lookup, so the push path can notify unconditionally.
    """

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._closed = False

    def event(self, user_id: str) -> asyncio.Event:
        """The event the next change for `user_id` sets (already set once closed)."""
        if self._closed:
            done = asyncio.Event()
            done.set()
            return done
        event = self._events.get(user_id)
        if event is None:
            event = self._events[user_id] = asyncio.Event()
        return event

    def close(self) -> None:
        """Wake every waiter and wait no more: the server is shutting down, and an open
        phone page must not hold it up."""
        self._closed = True
        self.notify_all()

    def notify(self, user_id: str) -> None:
        event = self._events.pop(user_id, None)
        if event is not None:
            event.set()

    def notify_all(self) -> None:
        events, self._events = self._events, {}
        for event in events.values():
            event.set()
