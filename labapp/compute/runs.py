"""The fourth step of the data line: a run, trained as planned, and its report.

A run can be trained in pieces, as the Train page's Step, Stop and Train (which goes on from a
pause) do: :func:`start` makes a :class:`Trainer` for the prepared data and the plan made from
it (refusing a plan with a problem), :func:`advance` trains it some epochs and returns a
:class:`Run`: a snapshot of the network, the result so far and its report. :func:`execute`
trains a whole run at once. The pieces end exactly where one run ends
(:class:`nncore.Training`).

Training reserves the run's memory on the server (:data:`~labapp.server.memory.WORKING`) while it
trains and builds the report within the same reservation. A :class:`Run` keeps its plan (with
the facts of its data) but never the data itself, so a finished run holds no student's file; a
:class:`Trainer` holds the data and lives only in its student's session.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from nncore import MLP, Training, TrainResult, to_bytes

from ..server.memory import WORKING
from ..server.training_turns import TRAINING
from .prepare import Prepared
from .run_plan import Plan
from .run_report import Report, build_report

__all__ = ["Run", "Trainer", "untrained_net", "start", "advance", "execute", "PROGRESS_POINTS"]

#: The training callback runs about this many times per run (the live curve's resolution).
PROGRESS_POINTS = 200


@dataclass(frozen=True)
class Run:
    """A run at one moment (finished, stopped or paused): its plan, a copy of the network as it
    was then, the result so far and the report."""

    plan: Plan
    net: MLP
    result: TrainResult
    report: Report

    @property
    def paused(self) -> bool:
        """Training can go on from here (:attr:`Trainer`)."""
        return self.result.stop_reason == "paused"

    def weights_npz(self) -> bytes:
        """The trained network and its config as an ``.npz`` file (:func:`nncore.to_bytes`)."""
        return to_bytes(self.net, self.plan.config)


@dataclass(frozen=True)
class Trainer:
    """A run in progress: the plan, the data it trains on, the network (which follows
    training) and the :class:`nncore.Training` that can go on."""

    plan: Plan
    prepared: Prepared
    net: MLP
    training: Training
    #: Held while it trains: two requests of one page (a reconnected tab) never train it at once.
    busy: threading.Lock = field(default_factory=threading.Lock, compare=False)


def untrained_net(plan: Plan) -> MLP:
    """The network ``plan`` trains, with its initial weights."""
    return MLP(**plan.network)


def start(prepared: Prepared, plan: Plan) -> Trainer:
    """A new run of ``plan`` on ``prepared`` (the data it was planned on), untrained. Raises
    ValueError with the plan's problem for a run the server refuses."""
    if plan.data != prepared.table.source:
        raise ValueError("This plan was made for other data than it was given.")
    if plan.problem is not None:
        raise ValueError(plan.problem)
    net = untrained_net(plan)
    T_train, T_test = prepared.targets(plan.output_units)
    test = {"X_test": prepared.X_test, "T_test": T_test} if prepared.has_test else {}
    return Trainer(plan, prepared, net,
                   Training(net, prepared.X_train, T_train, plan.config, **test))


def advance(trainer: Trainer, epochs: int | None = None, callback=None,
            end_on_pause: bool = False) -> Run:
    """Train ``epochs`` more epochs (None: to the end of the run) and return the run as it then
    is (ValueError if the run is training already). ``callback`` receives
    :class:`nncore.Progress` (with the network being trained) about :data:`PROGRESS_POINTS`
    times per run; a true value pauses (or, with ``end_on_pause``, ends the run there). The run
    trains in its turn (:data:`~labapp.server.training_turns.TRAINING`: one run at a time in
    the server), passed on to others at those points; a callback that draws sets it aside
    meanwhile. Raises :class:`~labapp.server.memory.ServerBusy` when the server's memory does
    not come free."""
    plan = trainer.plan
    every = max(1, plan.config.epochs // PROGRESS_POINTS)
    if not trainer.busy.acquire(blocking=False):
        raise ValueError("This run is still training for an earlier request of this page; "
                         "wait a moment, then press again.")
    try:
        with WORKING.reserve(plan.memory), TRAINING.turn():
            training = trainer.training
            hook = TRAINING.between_epochs(callback)
            if not training.finished and training.advance(epochs, hook, every) and end_on_pause:
                training.stop()
            return snapshot(trainer)
    finally:
        trainer.busy.release()


def snapshot(trainer: Trainer) -> Run:
    """The run as it is now, with its own copy of the network."""
    return Run(trainer.plan, trainer.net.copy(), trainer.training.result(),
               build_report(trainer.net, trainer.prepared))


def execute(prepared: Prepared, plan: Plan, callback=None) -> Run:
    """A whole run of ``plan`` on ``prepared``; a ``callback`` (as :func:`advance` takes it)
    that asks to stop ends the run there."""
    return advance(start(prepared, plan), None, callback, end_on_pause=True)
