"""Live progress while a run trains, and a clean stop when the user interrupts it.

Streamlit stops a running script when the user presses a button (Stop, say), changes a
widget or closes the tab: the next ``st`` call raises a control exception so that the script
can start again (or end). The training callback is where that request arrives: at a progress
point :class:`LiveProgress` asks the page (:func:`page_interruption`, at most every
:data:`STOP_CHECK_SECONDS`), and a frame it draws may raise it too. It catches the
interruption, tells the engine to stop (a true return value keeps what was trained), and
remembers it; the caller then keeps the stopped run and raises the interruption again, so
Streamlit goes on with the rerun (:class:`RunStopped` carries both).

The drawing runs in the context the :class:`LiveProgress` was made in (``contextvars``). When
training runs inside an ``st.cache_data`` function, its progress frames are therefore drawn as
the page's own elements and not recorded for replay: a cache hit shows the finished result,
never stale frames.
"""
from __future__ import annotations

import contextvars
import itertools
import math
import threading
import time
from collections.abc import Callable

from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check

from nncore import Progress

from ..server.training_turns import TRAINING

__all__ = ["LiveProgress", "RunStopped", "LiveRuns", "page_interruption", "DRAW_INTERVAL",
           "DRAW_SHARE", "SERVER_RUNS", "ACTIVE_SECONDS", "STOP_CHECK_SECONDS"]

#: Seconds between two frames of the live curve, at least.
DRAW_INTERVAL = 0.25
#: The largest share of a run's time that drawing may take. After a frame that took ``d``
#: seconds the next waits at least ``d / DRAW_SHARE − d``. Alone, a frame takes a few ms and
#: the interval rules; on a crowded server frames slow down, and so they also grow rarer, which
#: keeps the frames per run (and so a run's CPU cost) about the same however many students
#: train at once. Stop is noticed between frames too (:data:`STOP_CHECK_SECONDS`).
DRAW_SHARE = 0.1


class LiveRuns:
    """The runs drawing live frames now, across every session of the server (sweeps and split
    experiments drawing their progress among them): a run counts for :data:`ACTIVE_SECONDS`
    from its latest progress point (its last epoch's included), or from its session's arrival
    on the Train page (:meth:`seen`). A class opening a link together is so counted whole
    before the first of its runs (whose page was built first) checks for a frame, and the last
    runs of the class still count the runs that ended a moment before.

    A short run plays a few frames, each costing about 20 ms of the server's CPU (two
    pictures and a chart). When a class presses Train together, the frames are shared out: each
    of ``n`` runs at once plays ``1/n`` of its frames, rounded down (the finished run is always
    drawn), and a longer run's frames come ``n`` times further apart, so a crowd costs the
    server about what one student does. ``clock`` returns seconds (tests pass their own)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._seen: dict = {}                             # run or session → when last seen
        self._lock = threading.Lock()
        self._tokens = itertools.count()

    def token(self) -> int:
        """A new run's number."""
        return next(self._tokens)

    def seen(self, who) -> None:
        """``who`` (a session's id as it arrives, or a run between its frames) may draw now: it
        counts from now."""
        with self._lock:
            self._seen[who] = self._clock()

    def count(self, token) -> int:
        """How many runs are drawing now, the run ``token`` (checking now) among them."""
        now = self._clock()
        with self._lock:
            self._seen[token] = now
            for other in [t for t, seen in self._seen.items() if now - seen > ACTIVE_SECONDS]:
                del self._seen[other]
            return len(self._seen)


#: Seconds of training between two questions to the page for a pending stop or rerun, at most
#: (asked at the next progress point after that; about 10 µs each).
STOP_CHECK_SECONDS = 0.05
#: How long after its latest progress point (or its session's arrival) a run still counts as
#: drawing: about the time thirty students' pages take to be built at once.
ACTIVE_SECONDS = 2.0
#: The runs drawing live frames in this server.
SERVER_RUNS = LiveRuns()


def page_interruption(check) -> BaseException | None:
    """The page's pending stop or rerun request (Stop, a widget changed, the tab closed),
    raised by its ``check`` (``get_run_yield_check()``) and caught here; None when there is none
    or no page."""
    if check is not None:
        try:
            check()
        except BaseException as interruption:   # Streamlit's rerun or stop request
            return interruption
    return None


class RunStopped(Exception):
    """Training was interrupted: ``run`` is what was trained, ``interruption`` what stopped it,
    and ``trainer`` (if any) the paused training that can go on."""

    def __init__(self, run, interruption: BaseException, trainer=None):
        super().__init__("Training was stopped.")
        self.run, self.interruption, self.trainer = run, interruption, trainer


class LiveProgress:
    """A training callback that draws at most every ``interval`` seconds (``n`` times that while
    ``n`` runs of the server draw at once), and spends at most about ``share`` of the time
    drawing; it turns the page's interruption, asked for between frames or raised while one
    draws, into a clean stop. ``clock`` returns seconds (tests pass their own).

    A run too short for the interval (the default network trains 300 epochs in about 25 ms)
    would show no learning at all: with ``frames``, a frame is also drawn each time another
    ``1/frames`` of the run's epochs is done, and each such frame stays at least ``hold``
    seconds (``sleep``: the thread waits without holding the interpreter), so a short run plays
    as a short animation of about ``frames × hold`` seconds; while ``n`` runs draw at once
    (``runs``, :class:`LiveRuns`: the server's), each plays ``frames / n`` of them, rounded
    down; ``who`` names the run in ``runs`` (its session's id, as that session :meth:`arrived
    <LiveRuns.seen>`; by default a number of its own). ``check`` raises the page's pending
    stop or rerun (by default the page's own, from Streamlit). While it draws, the run's turn at
    training (:mod:`labapp.server.training_turns`) is set aside for the runs waiting."""

    def __init__(self, draw: Callable[[Progress], None], interval: float = DRAW_INTERVAL,
                 share: float = DRAW_SHARE, clock: Callable[[], float] = time.monotonic, *,
                 frames: int = 0, hold: float = 0.0, sleep: Callable[[float], None] = time.sleep,
                 runs: LiveRuns | None = None, who=None, check: Callable[[], None] | None = None):
        self._draw = draw
        self._interval, self._share, self._clock = interval, share, clock
        self._frames, self._hold, self._sleep = frames, hold, sleep
        self._runs = runs or SERVER_RUNS
        self._token = self._runs.token() if who is None else who
        self._played = 0                                  # counted frames drawn
        self._context = contextvars.copy_context()
        self._next_frame = -math.inf
        self._next_epoch = 0
        self._check = check or get_run_yield_check()      # None outside a page
        self._next_check = -math.inf
        self.interruption: BaseException | None = None

    def __call__(self, progress: Progress) -> bool:
        start = self._clock()
        if start >= self._next_check:
            self._next_check = start + STOP_CHECK_SECONDS
            self.interruption = page_interruption(self._check)
            if self.interruption is not None:             # Stop, a change, a closed tab
                return True
        self._runs.seen(self._token)                      # drawing, if not at this point
        counted = self._frames and progress.epoch >= self._next_epoch
        if start < self._next_frame and not counted:
            return False
        crowd = self._runs.count(self._token)
        if counted and self._played + 1 > self._frames / crowd:     # others draw too
            self._next_epoch = progress.epoch + max(1, progress.epochs // self._frames)
            self._next_frame = max(self._next_frame, start + self._interval * crowd)
            return False
        with TRAINING.set_aside():                # others train while this run draws
            return self._drawn(progress, start, counted, crowd)

    def _drawn(self, progress: Progress, start: float, counted: bool, crowd: int) -> bool:
        """Draw a frame (and hold it, if counted); True if an interruption came meanwhile."""
        try:
            self._context.run(self._draw, progress)
        except BaseException as interruption:   # Streamlit's rerun or stop request
            self.interruption = interruption
            return True
        spent = self._clock() - start
        self._next_frame = start + max(self._interval, spent / self._share) * crowd
        if counted:
            self._played += 1
            self._next_epoch = progress.epoch + max(1, progress.epochs // self._frames)
            if spent < self._hold and self._next_epoch <= progress.epochs:   # not the last
                self._sleep(self._hold - spent)
        return False
