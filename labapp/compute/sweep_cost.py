"""A sweep's cost before it runs: its size, its estimated seconds and, beyond the budget,
the sentence that refuses it. The estimate and the budget are the engine's one policy
(:mod:`nncore.sweep_work`: :func:`~nncore.sweep_work.estimate_work`,
:data:`~nncore.sweep_work.BUDGET_SECONDS`); this module only shapes them for the page."""
from __future__ import annotations

import math
from dataclasses import dataclass

import nncore
from nncore.sweep_work import budget_problem, estimate_work

__all__ = ["Cost", "cost"]


@dataclass(frozen=True)
class Cost:
    """A sweep's size before it runs, its estimated seconds and, beyond the budget, why not;
    ``configs`` is how many configurations run (each once per seed), ``grid`` how many the full
    grid of the axes' values holds (more than ``configs`` for a random search)."""

    runs: int
    epochs: int
    multiply_adds: float
    seconds: float
    problem: str | None
    configs: int = 0
    grid: int = 0


def cost(the_space: nncore.SweepSpace, n_train: int, n_test: int) -> Cost:
    """The engine's estimate of the runs the sweep will train (the drawn ones for a random
    search), checked against the engine's budget."""
    runs = the_space.runs()
    work = estimate_work([spec for _, spec in runs], n_train, n_test)
    return Cost(work.runs, work.epochs, work.multiply_adds, work.seconds, budget_problem(work),
                configs=len(runs) // len(the_space.seeds),
                grid=math.prod(len(values) for values in the_space.axes.values()))
