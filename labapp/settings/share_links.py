"""The query params of a link someone shares: the settings, and ``run=1`` when opening the link
should train (or sweep) once and so show its result straight away."""
from __future__ import annotations

from dataclasses import replace

from .url_state import LabState, encode

__all__ = ["RUN_KEY", "share_params", "stopped_run_state"]

#: A link with ``run=1`` trains once when it opens.
RUN_KEY = "run"


def share_params(state: LabState, with_result: bool) -> dict[str, str]:
    """The query params of a link to ``state``; ``with_result`` makes it train on opening."""
    return {**encode(state), **({RUN_KEY: "1"} if with_result else {})}


def stopped_run_state(state: LabState, epochs_run: int) -> LabState:
    """The settings that reproduce a run stopped after ``epochs_run`` epochs: the same run with
    that many epochs. Training is deterministic and no learning-rate schedule depends on the
    total number of epochs, so it ends with the same weights and history. (The app has no early
    stopping, whose restored best weights would make the two differ.)"""
    return replace(state, train=replace(state.train, epochs=epochs_run))
