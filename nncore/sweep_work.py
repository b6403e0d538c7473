"""A sweep's work before it runs: the chunks it is cut into, their memory, the time they take,
and the one budget a shared server allows.

>>> import nncore
>>> space, X, T, X_test, _ = nncore.presets.classroom_sweep()
>>> work = estimate_work([spec for _, spec in space.runs()], len(X), len(X_test))
>>> work.runs, work.epochs, round(work.seconds, 2), budget_problem(work) is None
(180, 54000, 1.07, True)

How the work is cut:

- Runs are grouped by :func:`~nncore.stacked.stack_key` (same shape and computation), and each
  group is cut into *chunks* of at most ``K`` networks, where ``K`` respects three limits: the
  working memory of a chunk stays within ``memory_budget`` bytes (64 MiB by default: the arrays
  of its workspaces, parameters, optimiser state and curves, counted exactly); ``K`` times the
  widest layer stays near 512 units, beyond which the step spills out of cache (measured best for
  float32 too); and a chunk's estimated work stays under about half a second, so that cancelling
  is quick.
- A group is cut into as few chunks as ``K`` allows, all of one size (±1), and the chunks are
  dealt costliest first (dropout runs count their mask draws), so a pool's workers finish
  together.

How the time is estimated: each run's multiply-adds at :data:`MULTIPLY_ADDS_PER_SECOND`, plus
:data:`STACK_STEP_SECONDS` for every step of every chunk (a chunk is one stack, so its ``K``
networks share each step's fixed cost). A sweep whose estimate exceeds :data:`BUDGET_SECONDS`
is refused by :func:`budget_problem`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import TrainConfig
from .stacked import RunSpec, stack_key

__all__ = ["SweepWork", "estimate_work", "budget_problem", "plan_chunks", "chunk_bytes",
           "BUDGET_SECONDS", "MULTIPLY_ADDS_PER_SECOND", "STACK_STEP_SECONDS", "MEMORY_BUDGET"]

MEMORY_BUDGET = 64 * 2**20
"""Default bound on one chunk's working memory, in bytes."""
BUDGET_SECONDS = 30.0
"""The largest sweep a shared classroom server accepts, in estimated seconds of one core.

One server answers a whole class, and a sweep runs inside the request of the student who asked
for it, on one core, until it ends: half a minute is what one request may hold a core there, so
that the others' runs still get their turn. The classroom sweep takes about a second."""
MULTIPLY_ADDS_PER_SECOND = 1.5e9
"""What one core sustains on stacked sweeps here (benchmarks/README.md), for estimates."""
STACK_STEP_SECONDS = 4e-4
"""Fixed time of one step of one chunk, beyond its multiply-adds: the step's NumPy calls, each a
few microseconds whatever the data's size, paid once by the chunk's whole stack of networks.
Measured on the classroom sweep's chunks, full batch and in mini-batches: benchmarks/README.md,
"Sweeps", "The fixed cost of a step"."""
_CACHE_UNITS = 512   # hidden units per chunk, measured best in float64 and float32
_TASK_WORK = 1.5e9   # multiply-adds per task: about half a second here


@dataclass(frozen=True)
class SweepWork:
    """How big a sweep is, before it runs."""

    runs: int
    epochs: int                 # summed over runs
    multiply_adds: float
    seconds: float              # estimated on one core: the products and every chunk's steps


def estimate_work(specs: list[RunSpec], n_train: int, n_test: int = 0) -> SweepWork:
    """Runs, epochs and multiply-adds of ``specs``, and the seconds they take on one core here.

    The seconds are the multiply-adds at :data:`MULTIPLY_ADDS_PER_SECOND` plus
    :data:`STACK_STEP_SECONDS` per step of each chunk, with the chunks :func:`plan_chunks` cuts
    by default and a chunk's steps its epochs times its batches per epoch."""
    products = sum(_multiply_adds(s, n_train, n_test) for s in specs)
    steps = sum(_steps(specs[chunk[0]].config, n_train)
                for chunk in plan_chunks(specs, n_train, n_test))
    seconds = products / MULTIPLY_ADDS_PER_SECOND + steps * STACK_STEP_SECONDS
    return SweepWork(len(specs), sum(s.config.epochs for s in specs), float(products), seconds)


def budget_problem(work: SweepWork, budget_seconds: float = BUDGET_SECONDS) -> str | None:
    """A plain sentence if ``work`` exceeds the budget, else None."""
    if work.seconds <= budget_seconds:
        return None
    return (f"This sweep is too large for a shared server: {work.runs} runs and "
            f"{work.epochs:,} epochs in all would take about {work.seconds:.0f} s of computing, "
            f"and the limit is {budget_seconds:.0f} s. Use fewer values, seeds or epochs, or a "
            f"smaller network.")


def _steps(config: TrainConfig, n_train: int) -> int:
    """Steps of one stack: epochs times batches per epoch (one full batch, or ⌈N / batch⌉)."""
    batch = config.batch_size
    batches = 1 if batch is None or batch >= n_train else -(-n_train // batch)
    return config.epochs * batches


def _multiply_adds(spec: RunSpec, n_train: int, n_test: int = 0) -> float:
    """Multiply-adds of one run: three products per layer and training row (forward, ``dW``,
    ``dA``), one per test row, every epoch."""
    sizes = spec.sizes
    per_row = sum((i + 1) * o for i, o in zip(sizes[:-1], sizes[1:]))
    return spec.config.epochs * per_row * (3 * n_train + n_test)


def chunk_bytes(spec: RunSpec, k: int, n_train: int, n_test: int, dtype=np.float64,
                curve_points: int = 100) -> int:
    """Working memory of a chunk of ``k`` runs like ``spec``, in bytes.

    Counts what :func:`~nncore.stacked.train_stack` allocates: per layer and sample, the
    activations, their gradients and derivatives, dropout masks and dropped copies, and each
    training workspace's DropConnect masks and masked weights; the parameters, gradients,
    snapshots and optimiser state, the stopping rules' held and best weights, the norms' and
    the penalty's scratch; and the loss curves.
    """
    item = np.dtype(dtype).itemsize
    sizes, config = spec.sizes, spec.config
    batch = n_train if config.batch_size is None else min(config.batch_size, n_train)
    dropout = np.any(np.asarray(config.dropout) > 0)
    per_sample = sum(sizes[1:]) * (6 + 3 * dropout) + sizes[0] + sizes[-1] * 4
    samples = batch * (1 if batch == n_train else 2) + n_train + n_test
    params = sum((i + 1) * o for i, o in zip(sizes[:-1], sizes[1:]))
    workspaces = 1 if n_train % batch == 0 else 2        # one per batch size
    per_run = per_sample * samples + params * (15 + 3 * workspaces * (config.dropconnect > 0)) + \
        3 * config.epochs
    return k * per_run * item + 8 * (n_train + n_test) * (sizes[0] + sizes[-1] + 2)


def plan_chunks(specs: list[RunSpec], n_train: int, n_test: int = 0, dtype=np.float64,
                memory_budget: int = MEMORY_BUDGET, curve_points: int = 100) -> list[list[int]]:
    """Indices of ``specs`` grouped into chunks that can be trained as one stack each."""
    groups: dict = {}
    for i, spec in enumerate(specs):
        groups.setdefault(stack_key(spec), []).append(i)
    chunks = []
    for members in groups.values():
        spec = specs[members[0]]
        k = max(1, _CACHE_UNITS // max(spec.sizes[1:]))
        k = min(k, max(1, int(_TASK_WORK // max(_multiply_adds(spec, n_train) / 3, 1.0))))
        while k > 1 and chunk_bytes(spec, k, n_train, n_test, dtype, curve_points) > memory_budget:
            k -= 1
        count = -(-len(members) // k)                 # as few chunks as k allows, of equal size
        bounds = [round(i * len(members) / count) for i in range(count + 1)]
        chunks += [members[a: b] for a, b in zip(bounds, bounds[1:])]
    # Costliest first: a pool then deals the long chunks out early and ends on short ones.
    return sorted(chunks, key=lambda c: -len(c) * _relative_time(specs[c[0]], n_train, n_test))


def _relative_time(spec: RunSpec, n_train: int, n_test: int) -> float:
    """Relative time of one run's training, to order chunks: its products plus, with dropout,
    the masks (each hidden unit and training row draws a 16-bit random number), and a fixed
    cost per epoch."""
    hidden = sum(spec.sizes[1:-1])
    dropout = np.any(np.asarray(spec.config.dropout) > 0)
    return _multiply_adds(spec, n_train, n_test) + spec.config.epochs * (
        2.0 * dropout * hidden * n_train + 2000.0)
