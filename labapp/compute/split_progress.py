"""How far the split experiments are, and about how long they still take.

The time left is the work still to do divided by the rate measured so far (work per second of
the pieces computed in this request); before any piece has finished, the rate is the nominal one
of :data:`~labapp.server.limits.EXPERIMENT_WORK` (about 10 s of work).

>>> progress = SplitProgress("Learning curve", 2, 4, 30.0, 100.0, 30.0, 3.0)
>>> progress_text(progress)
'Learning curve (experiment 2 of 4) · 30% of the work done · about 7 s left'
"""
from __future__ import annotations

from dataclasses import dataclass

from ..server.limits import EXPERIMENT_WORK

__all__ = ["SplitProgress", "NOMINAL_RATE", "seconds_left", "progress_text"]

#: Work per second before anything has been measured: the cap is about 10 s of work.
NOMINAL_RATE = EXPERIMENT_WORK / 10.0


@dataclass(frozen=True)
class SplitProgress:
    """Passed to the page's progress drawing: the experiment running (its name and place among
    those asked for), the estimated work done and in all, and the work computed in this request
    with the seconds it took (experiments served from the cache take no time)."""

    experiment: str
    number: int
    count: int
    work_done: float
    work_total: float
    computed: float
    seconds: float

    @property
    def fraction(self) -> float:
        """The share of the work done, from 0 to 1."""
        return min(1.0, self.work_done / self.work_total) if self.work_total > 0 else 1.0


def seconds_left(progress: SplitProgress) -> float:
    """The work still to do at the rate measured so far (or the nominal rate)."""
    rate = progress.computed / progress.seconds \
        if progress.computed > 0 and progress.seconds > 0 else NOMINAL_RATE
    return max(0.0, progress.work_total - progress.work_done) / rate


def progress_text(progress: SplitProgress) -> str:
    """"Learning curve (experiment 2 of 4) · 30% of the work done · about 7 s left"."""
    left = seconds_left(progress)
    time = f"about {left:.0f} s left" if left >= 1 else "under a second left"
    return (f"{progress.experiment} (experiment {progress.number} of {progress.count}) · "
            f"{progress.fraction:.0%} of the work done · {time}")
