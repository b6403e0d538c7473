"""The sweep and split controls: widgets in, settings out, checked against the server's caps.

A sweep axis's values are typed as a comma-separated list (``0.01, 0.1, 1``) and read exactly as
a link's value is: what cannot be read falls back to the current values, what is out of range is
clamped, and each change comes back as a note.
"""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from ..server.limits import MAX_EXPERIMENT_EPOCHS, MAX_EXPERIMENT_SAMPLES, MAX_SWEEP_SEEDS
from ..settings.dataset_names import EXPERIMENT_SETS
from ..settings.kinds import short_number
from ..settings.page_settings import (AXIS_LABELS, MAX_SWEEP_BUDGET, SEARCHES, SWEEP_AXES,
                                      SplitSettings, SweepSettings, checked, settings_fields)
from .shortcuts import button_options
from .widgets import Panel

__all__ = ["sweep_controls", "split_controls", "AXIS_NAMES", "SEARCH_MEANINGS",
           "run_sweep_button", "stop_sweep_button"]

#: The sweep axes as the axes control names them.
AXIS_NAMES = {name: AXIS_LABELS[axis] for name, (axis, _) in SWEEP_AXES.items()}
_HELP = {
    "sw_axes": "One to three settings to vary: learning rate, hidden units and dropout, or "
               "L2, batch size and depth. Unswept settings keep the classroom values.",
    "sw_seeds": "Each configuration is trained once per seed (initial weights, batches, "
                "masks), so the spread over seeds shows the noise.",
    "sw_batch": "0 is the full batch.",
    "sw_budget": "How many configurations a random search draws; each is trained once per "
                 "seed, so the sweep trains budget × seeds runs.",
}
#: What each way of searching does, for the search control's help.
SEARCH_MEANINGS = {
    "grid": "every combination of the values listed: thorough, but the runs multiply with "
            "each axis",
    "random": "a budget of configurations drawn at random: the learning rate anywhere between "
              "its smallest and largest value (evenly on a log scale), the other settings from "
              "their listed values. It tries many more learning rates for the same work",
}
_SEARCH_NAMES = {"grid": "Grid (every combination)", "random": "Random (a budget of runs)"}
_SEARCH_HELP = "How to pick the configurations to train.\n\n" + "\n".join(
    f"- **{name}**: {meaning}." for name, meaning in SEARCH_MEANINGS.items())


def _kinds(cls) -> dict:
    return {spec.key: (name, spec) for name, spec in settings_fields(cls)}


def _values(panel: Panel, settings: SweepSettings, name: str, notes: list[str]):
    key = f"sw_{name}"
    attribute, spec = _kinds(SweepSettings)[key]
    current = getattr(settings, attribute)
    text = panel.text(key, f"{AXIS_NAMES[name].capitalize()} values",
                      ", ".join(short_number(v) if isinstance(v, float) else str(v)
                                for v in current),
                      help=_HELP.get(key, "Comma-separated; at most 8 values."))
    value, note = spec.kind.parse(text.replace(" ", ""), spec.label)
    if note:
        notes.append(note)
    return attribute, value


def _data_controls(panel: Panel, prefix: str, settings) -> dict:
    """The two-class set, its size and noise (URL keys ``<prefix>_data``, ``_n``, ``_noise``)."""
    panel.where.subheader("Data")
    return {"dataset": panel.choice(f"{prefix}_data", "Dataset", EXPERIMENT_SETS,
                                    settings.dataset),
            "n_samples": panel.slider(f"{prefix}_n", "Samples", 50, MAX_EXPERIMENT_SAMPLES,
                                      settings.n_samples, 10),
            "noise": panel.slider(f"{prefix}_noise", "Noise", 0.0, 1.0, settings.noise, 0.05)}


def sweep_controls(panel: Panel, settings: SweepSettings) -> tuple[SweepSettings, list[str]]:
    """The sweep's data, axes, their values, seeds and epochs; returns checked settings and
    notes on typed values that had to change."""
    where = panel.where
    data = _data_controls(panel, "sw", settings)
    where.subheader("What to sweep")
    axes = panel.several("sw_axes", "Axes (one to three)", list(SWEEP_AXES), settings.axes,
                         help=_HELP["sw_axes"], fmt=AXIS_NAMES.get)
    notes: list[str] = []
    values = dict(_values(panel, settings, name, notes) for name in axes if name in SWEEP_AXES)
    search = panel.choice("sw_search", "Search", SEARCHES, settings.search,
                          fmt=_SEARCH_NAMES.get, help=_SEARCH_HELP)
    budget = settings.budget
    if search == "random":
        budget = panel.number("sw_budget", "Configurations to draw", 2, MAX_SWEEP_BUDGET,
                              settings.budget, help=_HELP["sw_budget"])
    seeds = panel.slider("sw_seeds", "Seeds per configuration", 1, MAX_SWEEP_SEEDS,
                         settings.seeds, 1, help=_HELP["sw_seeds"])
    epochs = panel.number("sw_epochs", "Epochs per run", 10, 2000, settings.epochs)
    new = replace(settings, **data, axes=tuple(axes), seeds=seeds, epochs=epochs, search=search,
                  budget=budget, **values)
    new, more = checked(new)
    return new, notes + more


def run_sweep_button(disabled: bool) -> bool:
    """The page's main button (Ctrl+Enter), greyed out for a sweep the server refuses."""
    return st.button("Run the sweep", type="primary", icon=":material/play_arrow:",
                     key="sweep.run", disabled=disabled,
                     **button_options("sweep", "Trains every configuration once per seed."))


def stop_sweep_button() -> None:
    """The Stop button (Esc) shown while a sweep runs."""
    st.button("Stop", icon=":material/stop:", key="sweep.stop",
              **button_options("stop", "Stops the sweep and keeps every run that has finished."))


def split_controls(panel: Panel, settings: SplitSettings) -> tuple[SplitSettings, list[str]]:
    """The experiments' data, network and how many splits; returns checked settings."""
    where = panel.where
    data = _data_controls(panel, "sp", settings)
    where.subheader("Network and splits")
    width = panel.slider("sp_width", "Hidden units", 1, 64, settings.width, 1)
    epochs = panel.number("sp_epochs", "Epochs per run", 10, MAX_EXPERIMENT_EPOCHS,
                          settings.epochs)
    repeats = panel.slider("sp_repeats", "Random splits per ratio", 2, 10, settings.repeats, 1)
    folds = panel.slider("sp_k", "Folds (k)", 2, 10, settings.folds, 1)
    where.subheader("Model size and dropout")
    small = panel.slider("sp_small", "Small network's units", 1, 64, settings.small, 1)
    large = panel.slider("sp_large", "Large network's units", 2, 128, settings.large, 1)
    dropout = panel.slider("sp_dropout", "Dropout rate", 0.05, 0.9, settings.dropout, 0.05)
    return checked(replace(settings, **data, width=width, epochs=epochs, repeats=repeats,
                           folds=folds, small=small, large=large, dropout=dropout))
