"""What a page shows while the server computes for it: the server's refusal as an error, and
for a sweep or the split experiments a Stop button and a progress bar, both gone when it ends.

A refusal is a ValueError raised before or during the work (no memory for it now, a worker
died, a sweep over the budget): the page shows it and goes on drawing; what the student made
is kept. Streamlit's own interruptions (Stop, a changed widget) pass through untouched.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

import streamlit as st

from ..views.plain_text import plain
from .live_progress import LiveProgress

__all__ = ["refusals_shown", "stoppable"]


@contextmanager
def refusals_shown(then: Callable[[], None] | None = None) -> Iterator[None]:
    """Show a refusal raised inside as an error (plain text: its message may quote a number or
    a name), and call ``then`` however the block ended."""
    try:
        yield
    except ValueError as problem:
        st.error(plain(problem), icon=":material/hourglass_top:")
    finally:
        if then is not None:
            then()


@contextmanager
def stoppable(stop_button: Callable[[], None],
              draw_progress: Callable[[object, object], None]) -> Iterator[LiveProgress]:
    """A place with ``stop_button()`` in it and a progress area below, for the block's work:
    yields the live progress that draws ``draw_progress(area, progress)``; a refusal is shown
    (:func:`refusals_shown`) and both places are emptied when the block ends."""
    stop = st.empty()
    with stop:
        stop_button()
    area = st.empty()
    with refusals_shown(then=lambda: (stop.empty(), area.empty())):
        yield LiveProgress(partial(draw_progress, area))
