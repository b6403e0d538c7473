"""Cached services: everything the pages compute, keyed on small frozen settings objects.

One training run follows the data line, one cached step after another, each calling a pure
function on the previous step's result (:mod:`labapp.compute`):

    settings → :func:`table` (``load_table``) → :func:`prepared` (``prepare``)
             → :func:`plan` (``plan``, with the train settings) → :func:`train_run` (``start``
               and ``advance``: the trained network and its report)

A run the student steps or pauses is not a cached service: :func:`new_trainer` makes it and
:func:`go_on` trains it further; the session holds it (:func:`labapp.ui.session.keep_trainer`).

The settings are the cache keys; the functions never take them back.

Every result is keyed by what it was computed from, and nothing computed from one student's
file can reach another student:

- Built-in and synthetic data: each service is an ``st.cache_data`` function keyed on the
  settings, so a repeated run, by any student, is served from the one shared cache.
- An uploaded file (:class:`~labapp.data.uploads.Upload`): the settings name it by its SHA-256,
  the upload is checked against that digest at the point of use, and the results are kept in
  the uploading student's own session (:class:`~labapp.server.memory.Holder`, bounded in bytes),
  which is emptied once the session has gone. They never enter the shared cache.

Errors (bad data, a run the server refuses) are raised, never cached.

Identical work once (:mod:`.shared_once`): a shared run, sweep or split experiment that another
session is computing right now is waited for, not computed again
(:mod:`labapp.server.single_flight`); the waiting page shows a note and keeps its Stop. Sweeps
train in the server's pool of worker processes (:mod:`labapp.server.workers`), at a lower
priority than the pages.
"""
from __future__ import annotations

import functools

import numpy as np
import streamlit as st
from streamlit.logger import get_logger
from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check

from nncore.sweep_results import SweepResult

from ..compute import data_profile, run_plan, runs, sweep_setup
from ..compute.gradient_check import check_gradients
from ..compute.prepare import Prepared, prepare
from ..compute.sweep_cost import Cost, cost
from ..data.lab_table import Table, load_table
from ..data.uploads import Upload
from ..server import workers
from ..settings.dataset_names import UPLOAD
from ..settings.page_settings import DataSettings, SplitSettings, SweepSettings, TrainSettings
from ..settings.seed_presets import PresetCard, preset_cards
from . import housekeeping, session
from .live_progress import LiveProgress, RunStopped, page_interruption
from .shared_once import shared_once

__all__ = ["table", "prepared", "plan", "train_run", "new_trainer", "go_on", "gradient_check",
           "column_stats", "correlations", "presets", "scaling_summary", "split_points",
           "sweep_cost", "sweep_run", "shared_cache", "SETTINGS_KEYS", "CACHE_ENTRIES"]

CACHE_ENTRIES = 64
#: Trained runs and sweeps hold megabytes each: fewer of them are shared (about 5 MB for a run
#: of ten layers of 256 units), so the shared cache stays within about 100 MB.
_RESULTS = 16
#: The server's log: runs stopped before their end (a closed tab stops its run too).
_LOG = get_logger(__name__)
#: How the services' cache keys read the settings: by their ``repr``, which names every field
#: of these frozen dataclasses of plain values (a test checks that no field is left out of it).
#: Streamlit's own hashing walks ``dataclasses.asdict`` value by value: 0.65 ms for a data and
#: a train settings pair, against 0.05 ms, paid at every service call of every page.
SETTINGS_KEYS = {kind: repr for kind in (DataSettings, TrainSettings, SweepSettings,
                                         SplitSettings)}


def shared_cache(entries: int | None = CACHE_ENTRIES):
    """``st.cache_data`` as every service uses it: one cache for the whole server, at most
    ``entries`` results, no spinner, settings keyed by :data:`SETTINGS_KEYS`."""
    return st.cache_data(max_entries=entries, show_spinner=False, hash_funcs=SETTINGS_KEYS)


def _per_source(compute, entries: int = CACHE_ENTRIES, once: str | None = None):
    """The service for ``compute(data, *settings, _upload=None, **extra)``: shared across
    sessions for built-in and synthetic data (at most ``entries`` results; with ``once``, the
    name of what it computes, computed once for sessions asking at the same time), kept in the
    session for an uploaded file (see the module docstring). The service takes the session's
    upload as ``upload``."""
    shared = shared_cache(entries)(compute)
    if once is not None:
        shared = shared_once(once)(shared)

    @functools.wraps(compute)
    def service(data: DataSettings, *settings, upload: Upload | None = None, **extra):
        housekeeping.freeze_imports_once()
        if data.dataset != UPLOAD:
            return shared(data, *settings, **extra)
        key = (compute.__name__, data, *settings)
        return session.holder().results.get(
            key, lambda: compute(data, *settings, _upload=upload, **extra))
    return service


@_per_source
def table(data: DataSettings, _upload: Upload | None = None) -> Table:
    """The dataset ``data`` names (``upload``: the session's uploaded file, if any)."""
    return load_table(data, _upload)


@_per_source
def prepared(data: DataSettings, _upload: Upload | None = None) -> Prepared:
    """The dataset split and scaled as ``data`` says."""
    return prepare(table(data, upload=_upload))


@_per_source
def plan(data: DataSettings, train: TrainSettings,
         _upload: Upload | None = None) -> run_plan.Plan:
    """What the engine will be given for these settings (shapes, config, caps applied)."""
    return run_plan.plan(prepared(data, upload=_upload), train)


@functools.partial(_per_source, entries=_RESULTS, once="run")
def _trained(data: DataSettings, train: TrainSettings, _upload: Upload | None = None,
             _live: LiveProgress | None = None) -> runs.Run:
    trainer = runs.start(prepared(data, upload=_upload), plan(data, train, upload=_upload))
    run = runs.advance(trainer, None, _live)
    if _live is not None and _live.interruption is not None:   # a paused run is never cached
        raise RunStopped(run, _live.interruption, trainer)
    return run


def train_run(data: DataSettings, train: TrainSettings, upload: Upload | None = None,
              live: LiveProgress | None = None, on_stop=None) -> runs.Run:
    """The finished run for these settings, trained now (drawing through ``live``) or taken
    from the cache. If the user interrupts it, ``on_stop(run, trainer)`` receives what was
    trained and the paused training, and the interruption goes on to Streamlit. Raises
    ValueError for a run the server refuses."""
    try:
        return _trained(data, train, upload=upload, _live=live)
    except RunStopped as stopped:
        if stopped.run is not None:                   # None: it waited for another session
            _log_stop(stopped.run)
            if on_stop is not None:
                on_stop(stopped.run, stopped.trainer)
        raise stopped.interruption from None


def new_trainer(data: DataSettings, train: TrainSettings,
                upload: Upload | None = None) -> runs.Trainer:
    """An untrained run of these settings that Step and Train can go on with (never cached:
    it belongs to the session that made it). Raises ValueError for a run the server refuses."""
    return runs.start(prepared(data, upload=upload), plan(data, train, upload=upload))


def go_on(trainer: runs.Trainer, epochs: int | None = None, live: LiveProgress | None = None,
          on_stop=None) -> runs.Run:
    """Train a paused run ``epochs`` more epochs (None: to its end), drawing through ``live``;
    an interruption pauses it again, ``on_stop(run, trainer)`` receives it, and the interruption
    goes on to Streamlit. Raises ValueError when the server has no memory for it now."""
    run = runs.advance(trainer, epochs, live)
    if live is not None and live.interruption is not None:
        _log_stop(run)
        if on_stop is not None:
            on_stop(run, trainer)
        raise live.interruption
    return run


def _log_stop(run: runs.Run) -> None:
    _LOG.info("A run stopped after epoch %d of %d: its page asked (Stop, a change, or the tab "
              "closed).", run.result.epochs_run, run.plan.config.epochs)


@_per_source
def gradient_check(data: DataSettings, train: TrainSettings,
                   _upload: Upload | None = None) -> dict[str, float] | None:
    """Backprop against finite differences for the planned network
    (:func:`~labapp.compute.gradient_check.check_gradients`); None for one too large."""
    return check_gradients(prepared(data, upload=_upload), plan(data, train, upload=_upload))


@_per_source
def column_stats(data: DataSettings, _upload: Upload | None = None):
    """Per-column statistics of the dataset."""
    return data_profile.column_stats(table(data, upload=_upload))


@_per_source
def correlations(data: DataSettings,
                 _upload: Upload | None = None) -> tuple[np.ndarray, list[str]]:
    """The correlation matrix of the dataset's columns and their names."""
    the_table = table(data, upload=_upload)
    return data_profile.correlations(the_table), data_profile.correlation_names(the_table)


@shared_cache(None)
def presets() -> list[PresetCard]:
    """The seed presets' titles and descriptions."""
    return preset_cards()


@_per_source
def scaling_summary(data: DataSettings, _upload: Upload | None = None):
    """What the scaler learned on the training rows, per feature."""
    return data_profile.scaling_summary(prepared(data, upload=_upload))


@_per_source
def split_points(data: DataSettings, _upload: Upload | None = None) -> dict | None:
    """The 2-D points of a synthetic set by side of the split (None for other data)."""
    ready = prepared(data, upload=_upload)
    return data_profile.split_points(ready) if ready.table.points is not None else None


def _sweep_inputs(settings: SweepSettings):
    ready = prepared(sweep_setup.data_settings(settings))
    return ready, sweep_setup.space(settings, ready.X_train.shape[1])


@shared_cache()
def sweep_cost(settings: SweepSettings) -> Cost:
    """The sweep's size and estimated time, and why it is refused if it is."""
    workers.warm_up()                       # its page will probably run it: start the workers
    ready, space = _sweep_inputs(settings)
    return cost(space, len(ready.X_train), len(ready.X_test))


class _SweepStop:
    """A sweep's ``cancel`` flag, which the engine reads about every 0.1 s: set when the page's
    drawing (``live``) was interrupted, or when the page's Stop (or its tab closing) is noticed
    at the read itself, which also covers chunks still queued in the pool, when nothing
    draws. The interruption is kept in :attr:`interruption`."""

    def __init__(self, live: LiveProgress | None):
        self._live, self._check = live, get_run_yield_check()
        self.interruption: BaseException | None = None

    def progress(self, update) -> None:
        if self._live is not None and self._live(update):
            self.interruption = self._live.interruption

    def is_set(self) -> bool:
        if self.interruption is None:
            self.interruption = page_interruption(self._check)
        return self.interruption is not None


@shared_once("sweep")
@shared_cache(_RESULTS)
def _swept(settings: SweepSettings, _live: LiveProgress | None = None) -> SweepResult:
    problem = sweep_cost(settings).problem
    if problem is not None:
        raise ValueError(problem)                       # the server refuses, whatever asked
    stop, pool = _SweepStop(_live), workers.shared_pool()
    try:
        result = sweep_setup.run_sweep_on(*_sweep_inputs(settings), progress=stop.progress,
                                          cancel=stop, executor=pool)
    except workers.BrokenProcessPool:
        workers.restart(pool)
        _LOG.warning("A worker process died during a sweep; the pool was restarted.")
        raise ValueError(workers.BROKEN) from None
    _LOG.info("A sweep ran on the worker pool; the workers hold %s MB.",
              ", ".join(f"{mb:.0f}" for mb in workers.worker_memory().values()))
    if stop.interruption is not None:
        raise RunStopped(result, stop.interruption)    # a stopped sweep is never cached
    return result


def sweep_run(settings: SweepSettings, live: LiveProgress | None = None,
              on_stop=None) -> SweepResult:
    """The sweep's result, run now in the server's worker pool (drawing through ``live``),
    taken from the cache, or waited for while another session runs it. If the user interrupts
    it, ``on_stop(result)`` receives the finished runs and the interruption goes on to
    Streamlit. Raises ValueError for a sweep beyond the budget or one a dead worker ended."""
    try:
        return _swept(settings, _live=live)
    except RunStopped as stopped:
        if stopped.run is not None:                   # None: it waited for another session
            _LOG.info("A sweep stopped after %d of %d runs: its page asked (Stop, a change, or "
                      "the tab closed).", len(stopped.run.records), stopped.run.runs_total)
            if on_stop is not None:
                on_stop(stopped.run)
        raise stopped.interruption from None
