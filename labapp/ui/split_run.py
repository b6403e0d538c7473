"""Running the Splits page's experiments: progress across all of them with the time left, a
Stop button (shortcut in :mod:`labapp.ui.shortcuts`) that keeps the experiments already
finished, and a way to run the rest.

The finished experiments are kept in the session (:func:`labapp.ui.session.keep_splits`), so a
rerun (a guess answered, say) goes on from them. After Stop, the page shows what finished, says
that the rest was stopped and offers "Run the rest" instead of starting again by itself.
"""
from __future__ import annotations

from functools import partial

import streamlit as st

from ..compute.split_pieces import NAMES
from ..compute.split_progress import progress_text
from ..settings.page_settings import SplitSettings
from . import session, split_services
from .running import stoppable
from .shortcuts import button_options
from .split_live import SplitTracker

__all__ = ["stop_button", "obtain", "STOP_KEY", "REST_KEY"]

STOP_KEY, REST_KEY = "splits.stop", "splits.rest"


def _stopped_by_student() -> None:
    """Stop's callback (run before the rerun it causes): the experiments kept when it
    interrupted them were stopped on purpose."""
    kept = session.last_splits()
    if kept is not None:
        session.keep_splits(kept.settings, kept.results, stopped=True)


def stop_button() -> None:
    st.button("Stop", icon=":material/stop:", key=STOP_KEY, on_click=_stopped_by_student,
              **button_options("stop", "Stops the experiments and keeps those that have "
                                       "finished."))


def _draw_progress(area, progress) -> None:
    with area.container():
        st.progress(progress.fraction, text=progress_text(progress))


def _run_now(settings: SplitSettings, names, done: dict) -> dict:
    results, keep = done, partial(session.keep_splits, settings)
    with stoppable(stop_button, _draw_progress) as live:
        results = split_services.experiments(settings, names, SplitTracker(live, names, settings),
                                             on_stop=keep, done=done)
        keep(results)
    return results


def _stopped_note(kept, names) -> None:
    finished = [NAMES[n].lower() for n in names if n in kept.results]
    missing = [NAMES[n].lower() for n in names if n not in kept.results]
    stopped = f"the rest ({', '.join(missing)}) was stopped" if finished \
        else f"all were stopped ({', '.join(missing)})"
    st.info(f"Stopped: {len(finished)} of {len(names)} experiments finished"
            + (f" ({', '.join(finished)}), shown below" if finished else "")
            + f"; {stopped}. Press Run the rest to compute them.", icon=":material/pause_circle:")


def obtain(settings: SplitSettings, names) -> dict:
    """The results of the experiments ``names`` (name → result): computed now with progress
    and Stop, taken from the cache or the session; after Stop, only those that finished."""
    kept = session.last_splits()
    done = kept.results if kept is not None and kept.settings == settings else {}
    if all(name in done for name in names):
        return {name: done[name] for name in names}
    if kept is not None and kept.stopped and kept.settings == settings:
        box = st.empty()
        with box.container():
            _stopped_note(kept, names)
            pressed = st.button("Run the rest", type="primary", icon=":material/play_arrow:",
                                key=REST_KEY)
        if not pressed:
            return {name: done[name] for name in names if name in done}
        box.empty()
    return _run_now(settings, names, done)
