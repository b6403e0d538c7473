"""Cached services of the Splits page: the four split experiments, each keyed on the page's
settings (:class:`~labapp.settings.page_settings.SplitSettings`) and shared by every session
(the experiments use built-in and synthetic data only, never a student's file)."""
from __future__ import annotations

import streamlit as st

from nncore.sweep_results import SweepResult

from ..compute import split_experiments
from ..data.lab_table import Table
from ..settings.page_settings import SplitSettings
from .services import CACHE_ENTRIES, table

__all__ = ["split_ratios", "learning_curve", "kfold", "capacity"]


def _split_table(settings: SplitSettings) -> Table:
    return table(split_experiments.data_settings(settings))


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def split_ratios(settings: SplitSettings) -> list[dict]:
    """Train and test loss and the gap for every training share and random split."""
    return split_experiments.ratio_rows(_split_table(settings), settings)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def learning_curve(settings: SplitSettings) -> list[dict]:
    """Train and test loss against the number of training rows."""
    return split_experiments.learning_rows(_split_table(settings), settings)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def kfold(settings: SplitSettings) -> dict:
    """k-fold cross-validation against single hold-out splits."""
    return split_experiments.kfold_rows(_split_table(settings), settings)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def capacity(settings: SplitSettings) -> SweepResult:
    """A small and a large network, with and without dropout, on one split."""
    return split_experiments.capacity_result(_split_table(settings), settings)
