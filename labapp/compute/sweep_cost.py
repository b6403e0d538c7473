"""A sweep's cost before it runs: its size, its estimated seconds and, beyond the budget,
the sentence that refuses it. The estimate and the budget are the engine's one policy
(:mod:`nncore.sweep_work`: :func:`~nncore.sweep_work.estimate_work`,
:data:`~nncore.sweep_work.BUDGET_SECONDS`); this module only shapes them for the page."""
from __future__ import annotations

from dataclasses import dataclass

import nncore
from nncore.sweep_work import budget_problem, estimate_work

__all__ = ["Cost", "cost"]


@dataclass(frozen=True)
class Cost:
    """A sweep's size before it runs, its estimated seconds and, beyond the budget, why not."""

    runs: int
    epochs: int
    multiply_adds: float
    seconds: float
    problem: str | None


def cost(the_space: nncore.SweepSpace, n_train: int, n_test: int) -> Cost:
    """The engine's estimate of the sweep, checked against the engine's budget."""
    work = estimate_work([spec for _, spec in the_space.runs()], n_train, n_test)
    return Cost(work.runs, work.epochs, work.multiply_adds, work.seconds, budget_problem(work))
