"""Identical work once: when many students ask for the same result at the same time, the first
computes it and the others wait for it (a *single flight* per key).

- The first caller of a key is its *leader*: it runs ``compute()``. Callers of the same key
  that arrive while it runs are *followers*: they wait, and get the leader's result.
- A leader that fails (an error, a student's Stop, its tab closed) hands nothing to its
  followers, not even a partial result: they wake and try again, one of them leading.
- Followers are never stuck: they stop waiting when the leader's ``alive()`` says its session
  has gone, or after ``patience`` seconds, and then compute themselves.
- While it waits, a follower calls ``waiting(seconds)`` every ``poll`` seconds: that is where a
  page shows a note and notices its own Stop (an exception raised there ends the wait; nothing
  is left behind).

>>> flight = SingleFlight()
>>> flight.run("key", lambda: 42)
42
>>> flight.in_flight
0
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["SingleFlight"]

#: Seconds between two looks of a waiting follower (its note, its Stop).
POLL_SECONDS = 0.1


class _Flight:
    """One key's computation: its outcome once it ends, and whether its leader still counts."""

    def __init__(self, alive: Callable[[], bool] | None):
        self.ended = threading.Event()          # set on success, failure or abandonment
        self.succeeded = False
        self.value: Any = None
        self.alive = alive
        self.followers = 0

    def end(self, succeeded: bool, value: Any = None) -> None:
        self.succeeded, self.value = succeeded, value
        self.ended.set()


class SingleFlight:
    """Per key, one computation at a time, shared by every caller that waits for it."""

    def __init__(self, poll: float = POLL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._poll, self._clock = poll, clock
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        """How many keys are being computed now."""
        with self._lock:
            return len(self._flights)

    def followers(self, key: Hashable) -> int:
        """How many callers wait for ``key`` now."""
        with self._lock:
            flight = self._flights.get(key)
            return 0 if flight is None else flight.followers

    def run(self, key: Hashable, compute: Callable[[], Any], *,
            waiting: Callable[[float], None] | None = None,
            alive: Callable[[], bool] | None = None, patience: float = math.inf,
            share: Callable[[Any], Any] | None = None):
        """``compute()``, or the result of the same key's computation already running.

        ``alive`` (given by a leader) tells its followers whether its session still exists;
        ``share(value)`` turns the leader's result into a follower's (a copy, say; default: the
        same object); ``waiting`` and ``patience`` as in the module docstring."""
        patient_until = self._clock() + patience
        while True:
            flight, leads = self._join(key, alive)
            if leads:
                return self._lead(key, flight, compute)
            if self._follow(flight, waiting, patient_until):
                return flight.value if share is None else share(flight.value)
            if self._clock() >= patient_until:
                patient_until = math.inf         # waited long enough: lead the next flight

    def _join(self, key, alive) -> tuple[_Flight, bool]:
        """The key's running flight (to follow), or a new one this caller leads."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is not None and not flight.ended.is_set():
                flight.followers += 1
                return flight, False
            flight = self._flights[key] = _Flight(alive)
            return flight, True

    def _lead(self, key, flight: _Flight, compute):
        succeeded, value = False, None
        try:
            value = compute()
            succeeded = True
            return value
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.end(succeeded, value)

    def _follow(self, flight: _Flight, waiting, patient_until: float) -> bool:
        """Wait for ``flight``; True when it succeeded, False when it failed or was given up
        (its leader gone, or patience run out: then it is abandoned for everyone)."""
        start = self._clock()
        try:
            while not flight.ended.is_set():
                if waiting is not None:
                    waiting(self._clock() - start)
                leader_gone = flight.alive is not None and not flight.alive()
                if leader_gone or self._clock() >= patient_until:
                    self._abandon(flight)
                    return False
                flight.ended.wait(self._poll)
            return flight.succeeded
        finally:
            with self._lock:
                flight.followers -= 1

    def _abandon(self, flight: _Flight) -> None:
        """Let the next caller lead a new flight of the key; the old leader's result, if it
        ever comes, is no longer waited for."""
        with self._lock:
            for key in [k for k, f in self._flights.items() if f is flight]:
                del self._flights[key]
        flight.ended.set()
