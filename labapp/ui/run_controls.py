"""The Train page's main loop controls in one row: Train, Stop, Step (with its number of
epochs), Reset, and a status line that becomes the progress bar while the network trains.

- **Train** trains to the end of the run: a new run, or the paused one from where it stopped.
- **Stop** (shown while training) pauses: the weights, the optimiser's state and every random
  generator are kept, so Train or Step go on exactly as if it had never stopped.
- **Step** trains the chosen number of epochs (one by default) and pauses again.
- **Reset** forgets the run: the page shows the network before training.
"""
from __future__ import annotations

import streamlit as st

from .shortcuts import button_options

__all__ = ["ControlBar", "MAX_STEP_EPOCHS"]

#: The most epochs one press of Step trains.
MAX_STEP_EPOCHS = 100

_HELP = {
    "train": "Trains to the last epoch, drawing the pictures as it goes. After Stop or Step it "
             "goes on from where the run paused.",
    "stop": "Pauses after the current epoch and keeps everything (weights, the optimiser's "
            "state, the random numbers), so Train or Step go on exactly as an uninterrupted run.",
    "step": "Trains the number of epochs beside it, then pauses, so you can see what one epoch "
            "does to every unit.",
    "epochs": "How many epochs one press of Step trains.",
    "reset": "Forgets the run and shows the network before training (its initial weights).",
}


class ControlBar:
    """The row of controls for ``plan``. After construction, :attr:`train`, :attr:`step` and
    :attr:`reset` say what was pressed and :attr:`step_epochs` how many epochs a step trains."""

    def __init__(self, plan):
        cells = st.columns([1.9, 1, 1.6, 1.3, 1.1, 2.6], vertical_alignment="bottom")
        blocked = plan.problem is not None
        self.train = cells[0].button("Train", type="primary", icon=":material/play_arrow:",
                                     disabled=blocked, key="run.train",
                                     **button_options("train", _HELP["train"]),
                                     width="stretch")
        self._stop = cells[1].empty()
        self._stop.button("Stop", icon=":material/pause:", disabled=True, key="run.stop_idle",
                          help=_HELP["stop"], width="stretch")
        self.step = cells[2].button("Step", icon=":material/skip_next:", disabled=blocked,
                                    key="run.step", width="stretch",
                                    **button_options("step", _HELP["step"]))
        self.step_epochs = int(cells[3].number_input("Epochs per step", 1, MAX_STEP_EPOCHS, 1,
                                                     key="run.step_epochs",
                                                     help=_HELP["epochs"]))
        self.reset = cells[4].button("Reset", icon=":material/restart_alt:", key="run.reset",
                                     help=_HELP["reset"], width="stretch")
        self._status = cells[5].empty()

    def training_started(self) -> None:
        """Offer Stop while the network trains."""
        self._stop.button("Stop", icon=":material/pause:", key="run.stop", width="stretch",
                          **button_options("stop", _HELP["stop"]))

    def training_ended(self) -> None:
        self._stop.button("Stop", icon=":material/pause:", disabled=True, key="run.stop_done",
                          help=_HELP["stop"], width="stretch")

    def progress(self, epoch: int, epochs: int) -> None:
        self._status.progress(epoch / epochs, text=f"Training: epoch {epoch:,} of {epochs:,}")

    def status(self, run, can_go_on: bool) -> None:
        """Where the run shown stands (``run``: the current settings' run, or None)."""
        self._status.caption(status_line(run, can_go_on))


def status_line(run, can_go_on: bool) -> str:
    """One line about the run on screen."""
    if run is None:
        return "Not trained yet: the pictures show the network's initial weights. Press Train, " \
               "or Step to train one epoch at a time."
    epochs_run, epochs = run.result.epochs_run, run.plan.config.epochs
    if run.paused and can_go_on:
        return f"Paused after epoch {epochs_run:,} of {epochs:,}. Train or Step go on from here."
    if run.paused:
        return f"Stopped after epoch {epochs_run:,} of {epochs:,}. The shared server could not " \
               "keep this run paused (too large, or its memory for paused runs is full now), " \
               "so Train and Step start it again from epoch 0."
    return f"Finished: {epochs_run:,} of {epochs:,} epochs. Reset to watch it again from the " \
           "start."
