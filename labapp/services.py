"""Cached services: everything the pages compute, keyed on small frozen settings objects.

Each service is an ``st.cache_data`` function whose cache key is the settings (and, for an
uploaded file, its SHA-256 inside :class:`~labapp.settings.DataSettings`); raw arrays and file
bytes are passed as underscore arguments, which Streamlit leaves out of the key. Repeated
identical runs, by any student, are therefore served from the cache. Errors (bad data) are
raised, never cached.
"""
from __future__ import annotations

import threading

import numpy as np
import streamlit as st

import nncore

from nncore import experiments
from nncore.sweeps import SweepResult

from . import profile, runs, splits, sweep
from .limits import GRADCHECK_ROWS, MAX_GRADCHECK_PARAMS
from .live import LiveProgress, RunStopped
from .prepare import Prepared, prepare
from .presets import PresetCard, preset_cards
from .settings import DataSettings, SplitSettings, SweepSettings, TrainSettings
from .data import read_table
from .tables import Table, load_table

__all__ = ["table", "prepared", "plan", "train_run", "gradient_check", "column_stats",
           "correlations", "presets", "scaling_summary", "split_points", "csv_columns",
           "sweep_cost", "sweep_run", "split_ratios", "learning_curve", "kfold", "capacity"]

_ENTRIES = 64


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def table(data: DataSettings, _raw: bytes | None = None) -> Table:
    """The dataset ``data`` names (``_raw``: the uploaded file, if any)."""
    return load_table(data, _raw)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def prepared(data: DataSettings, _raw: bytes | None = None) -> Prepared:
    """The dataset split and scaled as ``data`` says."""
    return prepare(table(data, _raw), data)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def plan(data: DataSettings, train: TrainSettings, _raw: bytes | None = None) -> runs.Plan:
    """What the engine will be given for these settings (shapes, config, caps applied)."""
    return runs.plan(prepared(data, _raw), train)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def _trained(data: DataSettings, train: TrainSettings, _raw: bytes | None = None,
             _live: LiveProgress | None = None) -> runs.Run:
    run = runs.execute(prepared(data, _raw), data, train, callback=_live)
    if _live is not None and _live.interruption is not None:
        raise RunStopped(run, _live.interruption)      # a stopped run is never cached
    return run


def train_run(data: DataSettings, train: TrainSettings, raw: bytes | None = None,
              live: LiveProgress | None = None, on_stop=None) -> runs.Run:
    """The finished run for these settings, trained now (drawing through ``live``) or taken
    from the cache. If the user interrupts it, ``on_stop(run)`` receives what was trained and
    the interruption goes on to Streamlit."""
    try:
        return _trained(data, train, _raw=raw, _live=live)
    except RunStopped as stopped:
        if on_stop is not None:
            on_stop(stopped.run)
        raise stopped.interruption from None


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def gradient_check(data: DataSettings, train: TrainSettings,
                   _raw: bytes | None = None) -> dict[str, float] | None:
    """``{"W1": relative error, "b1": …}``: backprop against finite differences at the initial
    weights, on the first :data:`~labapp.limits.GRADCHECK_ROWS` training rows; None for a
    network too large to check."""
    the_plan = plan(data, train, _raw)
    if the_plan.n_params > MAX_GRADCHECK_PARAMS:
        return None
    ready = prepared(data, _raw)
    net = nncore.MLP(**the_plan.network)
    T = ready.targets(the_plan.network["sizes"][-1])[0]
    with np.errstate(all="ignore"):
        return nncore.gradient_check(net, ready.X_train[:GRADCHECK_ROWS], T[:GRADCHECK_ROWS],
                                     loss=the_plan.config.loss)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def column_stats(data: DataSettings, _raw: bytes | None = None):
    """Per-column statistics of the dataset."""
    return profile.column_stats(table(data, _raw))


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def correlations(data: DataSettings, _raw: bytes | None = None) -> tuple[np.ndarray, list[str]]:
    """The correlation matrix of the dataset's columns and their names."""
    the_table = table(data, _raw)
    return profile.correlations(the_table), profile.correlation_names(the_table)


@st.cache_data(show_spinner=False)
def presets() -> list[PresetCard]:
    """The seed presets' titles and descriptions."""
    return preset_cards()


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def scaling_summary(data: DataSettings, _raw: bytes | None = None):
    """What the scaler learned on the training rows, per feature."""
    return profile.scaling_summary(prepared(data, _raw))


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def split_points(data: DataSettings, _raw: bytes | None = None) -> dict | None:
    """The 2-D points of a synthetic set by side of the split (None for other data)."""
    ready = prepared(data, _raw)
    return profile.split_points(ready) if ready.table.points is not None else None


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def csv_columns(digest: str, _raw: bytes) -> tuple[str, ...]:
    """The column names of the uploaded file with SHA-256 ``digest`` (none if unreadable)."""
    try:
        return read_table(_raw).columns
    except ValueError:
        return ()


def _sweep_space(settings: SweepSettings):
    ready = prepared(sweep.data_settings(settings))
    return ready, sweep.space(settings, ready.X_train.shape[1])


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def sweep_cost(settings: SweepSettings) -> sweep.Cost:
    """The sweep's size and estimated time, and why it is refused if it is."""
    ready, space = _sweep_space(settings)
    return sweep.cost(space, len(ready.X_train), len(ready.X_test))


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def _swept(settings: SweepSettings, _live: LiveProgress | None = None) -> SweepResult:
    problem = sweep_cost(settings).problem
    if problem is not None:
        raise ValueError(problem)                       # the server refuses, whatever asked
    ready, space = _sweep_space(settings)
    T_train, T_test = ready.targets(1)
    cancel = threading.Event()

    def progress(update):
        if _live is not None and _live(update):
            cancel.set()

    result = nncore.run_sweep(space, ready.X_train, T_train, ready.X_test, T_test, workers=1,
                              progress=progress, cancel=cancel, curve_points=sweep.CURVE_POINTS)
    if _live is not None and _live.interruption is not None:
        raise RunStopped(result, _live.interruption)   # a stopped sweep is never cached
    return result


def sweep_run(settings: SweepSettings, live: LiveProgress | None = None,
              on_stop=None) -> SweepResult:
    """The sweep's result, run now (drawing through ``live``) or taken from the cache. If the
    user interrupts it, ``on_stop(result)`` receives the finished runs and the interruption goes
    on to Streamlit. Raises ValueError for a sweep beyond the budget."""
    try:
        return _swept(settings, _live=live)
    except RunStopped as stopped:
        if on_stop is not None:
            on_stop(stopped.run)
        raise stopped.interruption from None


def _experiment_inputs(settings: SplitSettings):
    X, T = splits.arrays(table(splits.data_settings(settings)))
    return X, T, splits.setup(settings)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def split_ratios(settings: SplitSettings) -> list[dict]:
    """Train and test loss and the gap for every training share and random split."""
    X, T, ready = _experiment_inputs(settings)
    return experiments.split_ratio_experiment(ready.spec, X, T, ratios=splits.RATIOS,
                                              repeats=settings.repeats)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def learning_curve(settings: SplitSettings) -> list[dict]:
    """Train and test loss against the number of training rows."""
    X, T, ready = _experiment_inputs(settings)
    return experiments.learning_curve(ready.spec, X, T, fractions=splits.FRACTIONS,
                                      repeats=settings.repeats)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def kfold(settings: SplitSettings) -> dict:
    """k-fold cross-validation against single hold-out splits."""
    X, T, ready = _experiment_inputs(settings)
    return experiments.cross_validation(ready.spec, X, T, k=settings.folds,
                                        holdout_repeats=splits.HOLDOUTS)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def capacity(settings: SplitSettings) -> SweepResult:
    """A small and a large network, with and without dropout, on one split."""
    X, T, ready = _experiment_inputs(settings)
    return experiments.capacity_experiment(ready.spec, X, T,
                                           widths=(settings.small, settings.large),
                                           dropouts=(0.0, settings.dropout))
