"""Progress across all the split experiments a page asks for, drawn through one
:class:`~labapp.ui.live_progress.LiveProgress` (so Stop and a rerun are noticed as on the Sweep
page).

The cached services (:mod:`labapp.ui.split_services`) call the tracker with each piece's work
(:func:`labapp.compute.split_pieces.run`); the page's loop tells it which experiment begins and
when one has ended, so that an experiment served from the cache counts as done at once.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from ..compute.split_pieces import NAMES, total_work
from ..compute.split_progress import SplitProgress
from ..settings.page_settings import SplitSettings
from .live_progress import LiveProgress

__all__ = ["SplitTracker"]


class SplitTracker:
    """The overall progress of the experiments ``names`` with ``settings``; a true answer to a
    call means: stop (the interruption is in :attr:`interruption`)."""

    def __init__(self, live: LiveProgress, names, settings: SplitSettings,
                 clock: Callable[[], float] = time.monotonic):
        self._live, self._names, self._clock = live, tuple(names), clock
        self._works = {name: total_work((name,), settings) for name in self._names}
        self._total = sum(self._works.values())
        self._ended = 0.0          # the work of the experiments that have ended
        self._done = 0.0           # ... and of the pieces done since
        self._computed, self._start = 0.0, clock()
        self._current = self._names[0] if self._names else ""

    @property
    def interruption(self) -> BaseException | None:
        return self._live.interruption

    def begin(self, name: str) -> None:
        """Experiment ``name`` starts (computed now, or taken from the cache)."""
        self._current, self._done = name, 0.0

    def end(self, name: str) -> None:
        """Experiment ``name`` has ended: all its work counts as done."""
        self._ended += self._works[name]
        self._done = 0.0

    def progress(self) -> SplitProgress:
        return SplitProgress(NAMES[self._current], self._names.index(self._current) + 1,
                             len(self._names), self._ended + self._done, self._total,
                             self._computed, self._clock() - self._start)

    def __call__(self, work: float) -> bool:
        """A piece of ``work`` has been computed; draw (now and then) and say whether to stop."""
        self._done += work
        self._computed += work
        return self._live(self.progress())
