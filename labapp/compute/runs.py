"""The fourth step of the data line: a run, trained as planned, and its report.

:func:`execute` takes the prepared data and the plan made from it. It refuses a run whose plan
has a problem, reserves the run's memory on the server, trains, and builds the run's report
(:mod:`labapp.compute.run_report`) within the same reservation. A run keeps its plan (with the
facts of its data) but never the data itself, so a finished run holds no student's file.
"""
from __future__ import annotations

from dataclasses import dataclass

from nncore import MLP, TrainResult, to_bytes, train

from ..server.memory import WORKING
from .prepare import Prepared
from .run_plan import Plan
from .run_report import Report, build_report

__all__ = ["Run", "execute", "PROGRESS_POINTS"]

#: The training callback runs about this many times per run (the live curve's resolution).
PROGRESS_POINTS = 200


@dataclass(frozen=True)
class Run:
    """A finished (or stopped) run: its plan, the trained network, the result and the report."""

    plan: Plan
    net: MLP
    result: TrainResult
    report: Report

    def weights_npz(self) -> bytes:
        """The trained network and its config as an ``.npz`` file (:func:`nncore.to_bytes`)."""
        return to_bytes(self.net, self.plan.config)


def execute(prepared: Prepared, plan: Plan, callback=None) -> Run:
    """Train a new network as ``plan`` says on ``prepared`` (the data it was planned on);
    ``callback`` receives :class:`nncore.Progress`. Raises ValueError with the plan's problem for
    a run the server refuses, and :class:`~labapp.server.memory.ServerBusy` when its memory does
    not come free."""
    if plan.data != prepared.table.source:
        raise ValueError("This plan was made for other data than it was given.")
    if plan.problem is not None:
        raise ValueError(plan.problem)
    net = MLP(**plan.network)
    T_train, T_test = prepared.targets(plan.output_units)
    test = {"X_test": prepared.X_test, "T_test": T_test} if prepared.has_test else {}
    every = max(1, plan.config.epochs // PROGRESS_POINTS)
    with WORKING.reserve(plan.memory):
        result = train(net, prepared.X_train, T_train, plan.config, callback=callback,
                       callback_every=every, **test)
        report = build_report(net, prepared)
    return Run(plan, net, result, report)
