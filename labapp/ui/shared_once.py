"""Identical shared work once, for the cached services: a decorator that makes sessions asking
for the same result at the same time wait for the first one's computation
(:mod:`labapp.server.single_flight`), showing a note and keeping their Stop while they wait.
"""
from __future__ import annotations

import functools

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check

from ..server.single_flight import SingleFlight
from .live_progress import RunStopped

__all__ = ["shared_once", "FLIGHTS", "PATIENCE", "WAITING_NOTE"]

#: The computations running now for the shared cache, one per key (runs, sweeps, experiments).
FLIGHTS = SingleFlight()
#: Seconds a session waits for another's identical computation before it computes itself (the
#: longest sweep is about 30 s of one core; a crowded server may double it).
PATIENCE = 90.0
WAITING_NOTE = ("Another student is computing this exact {what} right now; it will be here in "
                "a moment.")


def _session_alive():
    """Whether this session still exists, as a function other sessions can ask (None outside
    a server)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not runtime.exists():
        return None
    session_id, server = ctx.session_id, runtime.get_instance()
    return lambda: server.is_active_session(session_id)


class _WaitingNote:
    """What a waiting session shows (a note, drawn where the result will be) and how it notices
    its own Stop: the page's interruption is raised as :class:`RunStopped` with no result."""

    def __init__(self, what: str):
        self._what, self._place = what, None
        self._check = get_run_yield_check()

    def __call__(self, seconds: float) -> None:
        try:
            if self._place is None:
                self._place = st.empty()
                self._place.info(WAITING_NOTE.format(what=self._what), icon=":material/group:")
            if self._check is not None:
                self._check()
        except BaseException as interruption:       # Streamlit's rerun or stop request
            raise RunStopped(None, interruption) from None

    def clear(self) -> None:
        if self._place is not None:
            self._place.empty()


def _once(key, call, what: str):
    """``call()`` (a shared cached service), run once for every session that asks for ``key``
    at the same time: the others wait (see :class:`_WaitingNote`) and then read the cache."""
    note = _WaitingNote(what)
    try:
        return FLIGHTS.run(key, call, waiting=note, alive=_session_alive(), patience=PATIENCE,
                           share=lambda _: call())
    finally:
        note.clear()


def shared_once(what: str):
    """A decorator for a shared ``st.cache_data`` service (apply it outside the cache): calls
    with the same arguments (those not starting with ``_``) at the same time compute once. A
    session waiting for another's result shows a note about ``what`` ("split experiment", say);
    its Stop raises :class:`RunStopped` with ``run`` None."""
    def decorate(cached):
        @functools.wraps(cached)
        def service(*args, **kwargs):
            key = (cached.__module__, cached.__qualname__, args,
                   tuple(sorted((k, v) for k, v in kwargs.items() if not k.startswith("_"))))
            return _once(key, lambda: cached(*args, **kwargs), what)
        return service
    return decorate
