"""Turns at training inside the server process: one run computes epochs at a time.

Every session's script runs in a thread of one process, and one interpreter lock lets only one
thread run Python at a time. A run of the default network is about 15,000 small NumPy calls,
and each of them lets that lock go and takes it back, so thirty runs training at once hand it to
one another thousands of times each. Measured on this project's 2-core machine, thirty default
runs in thirty threads took 3.4 s of CPU together, and 0.6 s one after another
(``benchmarks/README.md``, "A class of 30").

So a run trains only while it holds a turn (:meth:`TrainingTurns.turn`), and the turns go in
the order they were asked for (a queue, not a race for a lock). A run sets its turn aside
while its page draws a live frame (:meth:`~TrainingTurns.set_aside`: drawing is not training,
and a frame is held on screen by sleeping), and once it has trained for
:data:`SLICE_SECONDS` it passes the turn on at its next progress point if another run waits
(:meth:`~TrainingTurns.between_epochs`). A long run therefore holds up a short one for about a
slice plus one progress point's epochs (a run has about 200 of them), never for its whole time.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager

__all__ = ["TrainingTurns", "SLICE_SECONDS", "TRAINING"]

#: How long a run trains before it lets the next one waiting have a turn.
SLICE_SECONDS = 0.05


class TrainingTurns:
    """One holder at a time, served first come, first served; re-entrant within a thread.
    ``clock`` returns seconds (tests pass their own)."""

    def __init__(self, slice_seconds: float = SLICE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._slice, self._clock = slice_seconds, clock
        self._lock = threading.Lock()
        self._taken = False
        self._waiting: deque[threading.Lock] = deque()    # one locked lock per waiting thread
        self._mine = threading.local()                    # .since: when this thread's turn began

    def holding(self) -> bool:
        """Whether the calling thread holds the turn."""
        return getattr(self._mine, "since", None) is not None

    def waiting(self) -> int:
        """How many threads wait for a turn."""
        return len(self._waiting)

    @contextmanager
    def turn(self):
        """Hold the turn while the body runs (waiting in line for it first)."""
        if self.holding():
            yield
            return
        self._take()
        try:
            yield
        finally:
            if self.holding():                  # not if taking it back (set_aside) failed
                self._give()

    @contextmanager
    def set_aside(self):
        """Let others train while the body runs (no effect without a turn); then back in line."""
        if not self.holding():
            yield
            return
        self._give()
        try:
            yield
        finally:
            self._take()

    def pass_on_if_due(self) -> None:
        """Give the turn to the next in line if the calling thread has held it for a slice."""
        since = getattr(self._mine, "since", None)
        if since is not None and self._waiting and self._clock() - since >= self._slice:
            self._give()
            self._take()

    def between_epochs(self, callback):
        """A training callback that calls ``callback`` (if any) and, unless it asks to pause,
        passes the turn on when due; returns its answer."""
        def hook(progress) -> bool:
            pause = bool(callback(progress)) if callback is not None else False
            if not pause:
                self.pass_on_if_due()
            return pause
        return hook

    def _take(self) -> None:
        with self._lock:
            handover = None
            if self._taken:
                handover = threading.Lock()
                handover.acquire()
                self._waiting.append(handover)
            self._taken = True
        try:
            if handover is not None:
                handover.acquire()              # released by the holder, who hands the turn on
            self._mine.since = self._clock()
        except BaseException:                   # interrupted while waiting: leave the line
            self._leave(handover)
            raise

    def _leave(self, handover) -> None:
        """Out of line without training: a waiter still in line steps out; one that was handed
        the turn meanwhile hands it on."""
        with self._lock:
            if handover is not None and handover in self._waiting:
                self._waiting.remove(handover)
                return
        self._give()

    def _give(self) -> None:
        self._mine.since = None
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()   # still taken: now by the next in line
            else:
                self._taken = False


#: The server's turns: every run trained in the server process takes one.
TRAINING = TrainingTurns()
