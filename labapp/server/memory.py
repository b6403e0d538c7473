"""The server's memory, shared by every student: what is held between reruns, and what a
computation may use while it runs.

One process serves the whole class, so memory is bounded in two ledgers (sizes in
:mod:`labapp.server.limits`):

- :data:`HELD`: bytes one student's session keeps between reruns, in its :class:`Holder`: its
  file (the parsed upload and what the session computed from it) and its paused run. A new upload that
  would pass the limit is refused with a sentence; a result that would pass it is computed but
  not kept. Each entry gives its bytes back when the object holding them is freed
  (``weakref.finalize``), and :data:`HOLDERS` empties the holder of a session that has gone.
- :data:`WORKING`: bytes a computation allocates while it runs (parsing a file, training a
  network). Before it allocates, it reserves its estimate; when the server is full it waits
  for others to finish, and gives up with a sentence after ``wait`` seconds.

>>> budget = Budget(100)
>>> with budget.reserve(60):
...     budget.in_use
60
>>> budget.in_use
0
>>> nbytes((np.zeros(10), [np.zeros(5), "text"]))
124
"""
from __future__ import annotations

import dataclasses
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

from .limits import HELD_MEMORY, MEMORY_WAIT_SECONDS, WORKING_MEMORY

__all__ = ["Ledger", "Budget", "Kept", "Holder", "Holders", "ServerBusy", "nbytes", "HELD",
           "WORKING", "HOLDERS", "megabytes"]


class ServerBusy(ValueError):
    """The server has no memory for this now; the message says what to do."""


def megabytes(n: float) -> str:
    """``n`` bytes as a short text: ``"12 MB"``."""
    return f"{n / 1e6:,.0f} MB"


class Ledger:
    """Bytes held by objects that live across reruns, within ``limit``."""

    def __init__(self, limit: float):
        self.limit, self.held = limit, 0
        self._lock = threading.RLock()      # release() may run in a collection inside hold()

    def hold(self, n: int) -> bool:
        """Count ``n`` more bytes; False (nothing counted) if that would pass the limit."""
        with self._lock:
            if self.held + n > self.limit:
                return False
            self.held += n
            return True

    def release(self, n: int) -> None:
        """Count ``n`` bytes fewer."""
        with self._lock:
            self.held -= n

    def hold_for(self, owner, n: int) -> bool:
        """:meth:`hold` ``n`` bytes until ``owner`` is freed."""
        if not self.hold(n):
            return False
        weakref.finalize(owner, self.release, n)
        return True


class Budget:
    """Bytes that running computations may allocate at once, ``total`` in all."""

    def __init__(self, total: float):
        self.total, self.in_use = total, 0
        self._free = threading.Condition()

    @contextmanager
    def reserve(self, n: float, wait: float = MEMORY_WAIT_SECONDS):
        """Hold ``n`` bytes of the budget for the ``with`` block; wait up to ``wait`` seconds
        for them. Raises :class:`ServerBusy` if they do not come free, or can never fit."""
        n = int(n)
        if n > self.total:
            raise ServerBusy(f"This needs about {megabytes(n)} of memory, more than the "
                             f"{megabytes(self.total)} the shared server gives all running work.")
        with self._free:
            if not self._free.wait_for(lambda: self.in_use + n <= self.total, timeout=wait):
                raise ServerBusy("The server is busy with other students' work right now; "
                                 "try again in a minute.")
            self.in_use += n
        try:
            yield
        finally:
            with self._free:
                self.in_use -= n
                self._free.notify_all()


def nbytes(value, _seen=None) -> int:
    """The bytes of the arrays and texts inside ``value`` (dataclasses, objects, tuples, lists,
    dicts, pandas objects), each array counted once."""
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes if value.base is None else nbytes(value.base, seen)
    if isinstance(value, (str, bytes)):
        return len(value)
    if hasattr(value, "memory_usage") and hasattr(value, "to_numpy"):       # pandas
        return int(np.sum(value.memory_usage(deep=True)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    elif hasattr(value, "__dict__") and not isinstance(value, type):       # a network, say
        value = list(vars(value).values())
    if isinstance(value, (list, tuple)):
        return sum(nbytes(item, seen) for item in value)
    return 0


#: The most results one session keeps.
MAX_KEPT = 24


def _release_all(ledger: Ledger, total: list[int]) -> None:
    ledger.release(total[0])


class Kept:
    """Results kept for one session, within ``limit`` bytes and :data:`MAX_KEPT` results,
    counted in ``ledger`` (the least recently used go first; a result that does not fit is
    returned but not kept). An array shared by two results (a table inside its split) counts
    once."""

    def __init__(self, limit: float, ledger: Ledger):
        self.limit, self.ledger = limit, ledger
        self._entries: OrderedDict = OrderedDict()      # key → value
        self._total = [0]
        weakref.finalize(self, _release_all, ledger, self._total)

    @property
    def held(self) -> int:
        return self._total[0]

    def get(self, key, compute: Callable):
        """The result kept for ``key``, or ``compute()`` kept for next time."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        value = compute()
        self._keep(key, value)
        return value

    def _keep(self, key, value) -> None:
        if nbytes(value) > self.limit:
            return                                       # too large alone: keep what is kept
        self._entries[key] = value
        while len(self._entries) > MAX_KEPT:
            self._entries.popitem(last=False)
        while len(self._entries) > 1 and nbytes(list(self._entries.values())) > self.limit:
            self._entries.popitem(last=False)
        total = nbytes(list(self._entries.values()))
        if total > self.limit or not self._count(total):
            self._entries.pop(key, None)
            self._count(nbytes(list(self._entries.values())))

    def _count(self, total: int) -> bool:
        """Make the ledger hold ``total`` for this session; False if it cannot grow so far."""
        grow = total - self._total[0]
        if grow > 0 and not self.ledger.hold(grow):
            return False
        if grow < 0:
            self.ledger.release(-grow)
        self._total[0] = total
        return True


class Holder:
    """What one session keeps between reruns: the ``upload`` from its student's file and the
    ``results`` computed from it, and its ``paused`` run (a training that can go on, which holds
    its data and workspaces), until :meth:`empty` (the session has gone). Whatever it holds is
    counted in ``ledger`` and given back when it is dropped, emptied or freed."""

    def __init__(self, session_id: str, limit: float, ledger: Ledger):
        self.session_id, self._limit, self._ledger = session_id, limit, ledger
        self.upload = None
        self.results = Kept(limit, ledger)
        self.paused = None
        self._paused_bytes = [0]
        self._lock = threading.Lock()          # the session's script and the reaper
        weakref.finalize(self, _release_all, ledger, self._paused_bytes)

    def keep_paused(self, run, size: int) -> bool:
        """Keep ``run`` (about ``size`` bytes) as the session's paused run, in place of any
        other; False, keeping none, when it is larger than a session may hold or the server's
        ledger has no room for it."""
        with self._lock:
            self._drop_paused()
            if size > self._limit or not self._ledger.hold(size):
                return False
            self.paused, self._paused_bytes[0] = run, size
            return True

    def drop_paused(self) -> None:
        with self._lock:
            self._drop_paused()

    def _drop_paused(self) -> None:
        self._ledger.release(self._paused_bytes[0])
        self.paused, self._paused_bytes[0] = None, 0

    @property
    def holds_anything(self) -> bool:
        return self.upload is not None or bool(self.results.held) or self.paused is not None

    def empty(self) -> None:
        with self._lock:
            self.upload = None
            self.results = Kept(self._limit, self._ledger)
            self._drop_paused()


class Holders:
    """Every session's :class:`Holder`, so that the server can empty those of sessions that have
    gone (closed tabs) without waiting for Streamlit to forget them."""

    def __init__(self):
        self._holders: weakref.WeakSet = weakref.WeakSet()
        self._gone_since: dict[int, float] = {}
        self._lock = threading.Lock()

    def add(self, holder: Holder) -> Holder:
        with self._lock:
            self._holders.add(holder)
        return holder

    def reap(self, is_active: Callable[[str], bool], now: float, grace: float) -> list[str]:
        """Empty the holders of sessions that have not been active for ``grace`` seconds (first
        seen gone before ``now − grace``); returns the ids of their sessions."""
        emptied = []
        with self._lock:
            holders = list(self._holders)
        for holder in holders:
            if is_active(holder.session_id):
                self._gone_since.pop(id(holder), None)
                continue
            since = self._gone_since.setdefault(id(holder), now)
            if now - since >= grace and holder.holds_anything:
                holder.empty()
                emptied.append(holder.session_id)
        present = {id(holder) for holder in holders}
        for key in [k for k in self._gone_since if k not in present]:
            del self._gone_since[key]
        return emptied


#: Bytes students' sessions keep between reruns (their files, their paused runs), server-wide.
HELD = Ledger(HELD_MEMORY)
#: Bytes that running computations may allocate at once, server-wide.
WORKING = Budget(WORKING_MEMORY)
#: Every session's holder of its file and results.
HOLDERS = Holders()
