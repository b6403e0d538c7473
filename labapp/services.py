"""Cached services: everything the pages compute, keyed on small frozen settings objects.

Each service is an ``st.cache_data`` function whose cache key is the settings (and, for an
uploaded file, its SHA-256 inside :class:`~labapp.settings.DataSettings`); raw arrays and file
bytes are passed as underscore arguments, which Streamlit leaves out of the key. Repeated
identical runs, by any student, are therefore served from the cache. Errors (bad data) are
raised, never cached.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

import nncore

from . import profile, runs
from .limits import GRADCHECK_ROWS, MAX_GRADCHECK_PARAMS
from .live import LiveProgress, RunStopped
from .prepare import Prepared, prepare
from .presets import PresetCard, preset_cards
from .settings import DataSettings, TrainSettings
from .data import read_table
from .tables import Table, load_table

__all__ = ["table", "prepared", "plan", "train_run", "gradient_check", "column_stats",
           "correlations", "presets", "scaling_summary", "split_points", "csv_columns"]

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
