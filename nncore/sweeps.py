"""Running a sweep: :func:`run_sweep`, the one entry point, from a sweep space to its results.

>>> import numpy as np, nncore
>>> X = np.random.default_rng(0).random((64, 2)); T = X.sum(axis=1)
>>> base = nncore.RunSpec(sizes=(2, 8, 1), config=nncore.TrainConfig(epochs=50))
>>> space = nncore.SweepSpace(base, {"learning_rate": (0.01, 0.1)}, seeds=(0, 1))
>>> result = nncore.run_sweep(space, X, T, workers=1)
>>> len(result.rows()), len(result.aggregate())
(4, 2)

The parts it joins: :mod:`nncore.sweep_space` lists the runs, :mod:`nncore.sweep_work` cuts them
into chunks and estimates their time against the budget, :mod:`nncore.executors` trains the
chunks, :mod:`nncore.sweep_results` holds what they give, and :mod:`nncore.compare` compares two
configurations over their seeds. The names that lived here before are imported from those
modules, so ``nncore.sweeps.plan_chunks`` and the like keep working.
"""
from __future__ import annotations

import time

from .compare import Verdict, compare_runs
from .executors import SweepProgress, run_specs
from .sweep_results import SweepResult
from .sweep_work import (BUDGET_SECONDS, MEMORY_BUDGET, MULTIPLY_ADDS_PER_SECOND, SweepWork,
                         budget_problem, chunk_bytes, estimate_work, plan_chunks)

__all__ = ["run_sweep",
           # imported from the modules they live in now, for code that finds them here
           "run_specs", "SweepProgress", "SweepResult", "Verdict", "compare_runs",
           "plan_chunks", "chunk_bytes", "MEMORY_BUDGET", "SweepWork", "estimate_work",
           "budget_problem", "BUDGET_SECONDS", "MULTIPLY_ADDS_PER_SECOND"]


def run_sweep(space, X, T, X_test=None, T_test=None, *, configs=None, **options) -> SweepResult:
    """Run a :class:`~nncore.SweepSpace` (its grid, or the given ``configs``); ``options`` go
    to :func:`~nncore.executors.run_specs` (executor, workers, dtype, progress, cancel…)."""
    start = time.perf_counter()
    pairs = space.runs(configs)
    records, cancelled = run_specs([spec for _, spec in pairs], X, T, X_test, T_test, **options)
    kept = [(settings, r) for (settings, _), r in zip(pairs, records) if r is not None]
    return SweepResult(tuple(space.axes), tuple(s for s, _ in kept), tuple(r for _, r in kept),
                       len(pairs), cancelled, time.perf_counter() - start)
