"""Running a sweep: stacks of same-shape runs, in memory-bounded chunks, on any executor.

>>> import numpy as np, nncore
>>> X = np.random.default_rng(0).random((64, 2)); T = X.sum(axis=1)
>>> base = nncore.RunSpec(sizes=(2, 8, 1), config=nncore.TrainConfig(epochs=50))
>>> space = nncore.SweepSpace(base, {"learning_rate": (0.01, 0.1)}, seeds=(0, 1))
>>> result = nncore.run_sweep(space, X, T, workers=1)
>>> len(result.rows()), len(result.aggregate())
(4, 2)

How the work is cut:

- Runs are grouped by :func:`~nncore.stacked.stack_key` (same shape and computation), and each
  group is cut into *chunks* of at most ``K`` networks, where ``K`` respects three limits: the
  working memory of a chunk stays within ``memory_budget`` bytes (64 MiB by default: the arrays
  of its workspaces, parameters, optimiser state and curves, counted exactly); ``K`` times the
  widest layer stays near 512 units, beyond which the step spills out of cache (measured best for
  float32 too);
  and a chunk's estimated work stays under about half a second, so that cancelling is quick.
- A group is cut into as few chunks as ``K`` allows, all of one size (±1), and the chunks are
  dealt costliest first (dropout runs count their mask draws), so a pool's workers finish
  together.
- Each chunk is one task for a ``concurrent.futures.Executor``. By default that is a local pool
  of ``workers`` processes (one per core), each with one BLAS thread; ``workers=1``
  trains in this process, reporting every epoch. Any other executor works unchanged, for
  example a Dask ``distributed`` client's ``client.get_executor()``; a client itself is
  accepted too, and asked for that executor.
- Memory: a sweep holds at most ``workers × memory_budget`` bytes of working arrays, plus the
  data and the results (``runs × (3 × curve_points + P) × 8`` bytes).
"""
from __future__ import annotations

import math
import os
import time
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from .stacked import RunRecord, RunSpec, stack_key, train_stack
from .student_t import t_quantile

__all__ = ["run_sweep", "run_specs", "SweepProgress", "SweepResult", "Verdict", "compare_runs",
           "plan_chunks", "chunk_bytes", "MEMORY_BUDGET", "SweepWork", "estimate_work",
           "budget_problem", "BUDGET_SECONDS", "MULTIPLY_ADDS_PER_SECOND"]

MEMORY_BUDGET = 64 * 2**20
"""Default bound on one chunk's working memory, in bytes."""
_CACHE_UNITS = 512   # hidden units per chunk, measured best in float64 and float32
_TASK_WORK = 1.5e9   # multiply-adds per task: about half a second here


@dataclass(frozen=True)
class SweepProgress:
    """Passed to a sweep's ``progress`` callback."""

    runs_done: int
    runs_total: int
    epochs_done: int
    epochs_total: int
    seconds: float


def chunk_bytes(spec: RunSpec, k: int, n_train: int, n_test: int, dtype=np.float64,
                curve_points: int = 100) -> int:
    """Working memory of a chunk of ``k`` runs like ``spec``, in bytes.

    Counts what :func:`~nncore.stacked.train_stack` allocates: per layer and sample, the
    activations, their gradients and derivatives, dropout masks and dropped copies; the
    parameters, gradients, snapshots and optimiser state; and the loss curves.
    """
    item = np.dtype(dtype).itemsize
    sizes, config = spec.sizes, spec.config
    batch = n_train if config.batch_size is None else min(config.batch_size, n_train)
    dropout = np.any(np.asarray(config.dropout) > 0)
    per_sample = sum(sizes[1:]) * (6 + 3 * dropout) + sizes[0] + sizes[-1] * 4
    samples = batch * (1 if batch == n_train else 2) + n_train + n_test
    params = sum((i + 1) * o for i, o in zip(sizes[:-1], sizes[1:]))
    per_run = per_sample * samples + params * (10 + 2 * (config.dropconnect > 0)) + \
        3 * config.epochs
    return k * per_run * item + 8 * (n_train + n_test) * (sizes[0] + sizes[-1] + 2)


def _cost(spec: RunSpec, n_train: int, n_test: int = 0) -> float:
    """Multiply-adds of one run: three products per layer and training row (forward, ``dW``,
    ``dA``), one per test row, every epoch."""
    sizes = spec.sizes
    per_row = sum((i + 1) * o for i, o in zip(sizes[:-1], sizes[1:]))
    return spec.config.epochs * per_row * (3 * n_train + n_test)


BUDGET_SECONDS = 60.0
"""The largest sweep a shared server accepts: about a minute of one core's work."""
MULTIPLY_ADDS_PER_SECOND = 1.5e9
"""What one core sustains on stacked sweeps here (benchmarks/README.md), for estimates."""


@dataclass(frozen=True)
class SweepWork:
    """How big a sweep is, before it runs."""

    runs: int
    epochs: int                 # summed over runs
    multiply_adds: float
    seconds: float              # estimated on one core


def estimate_work(specs: list[RunSpec], n_train: int, n_test: int = 0) -> SweepWork:
    """Runs × epochs × cost per epoch, and the time that takes on one core here."""
    work = sum(_cost(s, n_train, n_test) for s in specs)
    return SweepWork(len(specs), sum(s.config.epochs for s in specs), float(work),
                     work / MULTIPLY_ADDS_PER_SECOND)


def budget_problem(work: SweepWork, budget_seconds: float = BUDGET_SECONDS) -> str | None:
    """A plain sentence if ``work`` exceeds the budget, else None."""
    if work.seconds <= budget_seconds:
        return None
    return (f"This sweep is too large for a shared server: {work.runs} runs and "
            f"{work.epochs:,} epochs in all would take about {work.seconds:.0f} s of computing, "
            f"and the limit is {budget_seconds:.0f} s. Use fewer values, seeds or epochs, or a "
            f"smaller network.")


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
        k = min(k, max(1, int(_TASK_WORK // max(_cost(spec, n_train) / 3, 1.0))))
        while k > 1 and chunk_bytes(spec, k, n_train, n_test, dtype, curve_points) > memory_budget:
            k -= 1
        count = -(-len(members) // k)                 # as few chunks as k allows, of equal size
        bounds = [round(i * len(members) / count) for i in range(count + 1)]
        chunks += [members[a: b] for a, b in zip(bounds, bounds[1:])]
    # Costliest first: a pool then deals the long chunks out early and ends on short ones.
    return sorted(chunks, key=lambda c: -len(c) * _step_cost(specs[c[0]], n_train, n_test))


def _step_cost(spec: RunSpec, n_train: int, n_test: int) -> float:
    """Relative time of one run's training: its products plus, with dropout, the masks
    (each hidden unit and training row draws a 16-bit random number), and a fixed cost per step."""
    hidden = sum(spec.sizes[1:-1])
    dropout = np.any(np.asarray(spec.config.dropout) > 0)
    return _cost(spec, n_train, n_test) + spec.config.epochs * (
        2.0 * dropout * hidden * n_train + 2000.0)


def _train_chunk(specs, X, T, X_test, T_test, dtype, curve_points):
    return train_stack(specs, X, T, X_test, T_test, dtype=dtype, curve_points=curve_points)


@contextmanager
def _one_blas_thread_in_children():
    """Processes started inside inherit one BLAS thread each (more do not help at these sizes)."""
    saved = {v: os.environ.get(v) for v in _BLAS_VARS}
    os.environ.update({v: "1" for v in _BLAS_VARS})
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def run_specs(specs: list[RunSpec], X, T, X_test=None, T_test=None, *, executor=None,
              workers: int | None = None, dtype=np.float64, curve_points: int = 100,
              memory_budget: int = MEMORY_BUDGET, progress=None, cancel=None):
    """Train every run of ``specs``; returns ``(records, cancelled)``.

    ``records[i]`` is the :class:`~nncore.stacked.RunRecord` of ``specs[i]``, or ``None`` when the
    sweep was cancelled before that run finished. ``executor`` is a
    ``concurrent.futures.Executor`` or a Dask ``distributed.Client``. ``cancel`` is anything
    with ``is_set()`` (a ``threading.Event``); the sweep stops within about a second of it being
    set.
    """
    executor = _as_executor(executor)
    X, T = np.asarray(X, dtype=np.float64), np.asarray(T)
    chunks = plan_chunks(specs, len(X), 0 if X_test is None else len(X_test), dtype,
                         memory_budget, curve_points)
    tracker = _Tracker(specs, progress)
    records: list[RunRecord | None] = [None] * len(specs)
    workers = workers or os.cpu_count() or 1
    if executor is None and workers == 1:
        cancelled = _run_here(specs, chunks, records, tracker, cancel,
                              (X, T, X_test, T_test, dtype, curve_points))
        return records, cancelled
    if executor is not None:
        return records, _run_on(executor, specs, chunks, records, tracker, cancel,
                                (X, T, X_test, T_test, dtype, curve_points))
    with _one_blas_thread_in_children():
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
        try:
            return records, _run_on(pool, specs, chunks, records, tracker, cancel,
                                    (X, T, X_test, T_test, dtype, curve_points))
        finally:
            pool.shutdown(wait=not (cancel is not None and cancel.is_set()), cancel_futures=True)


def _as_executor(executor):
    """``executor`` as a ``concurrent.futures.Executor`` (or None). A Dask ``distributed``
    client, recognised by its ``get_executor`` method, is asked for its executor; anything else
    that is not an Executor is refused, since its futures would not work with ``wait``."""
    if executor is None or isinstance(executor, Executor):
        return executor
    if callable(getattr(executor, "get_executor", None)):
        return executor.get_executor()
    raise TypeError(f"executor must be a concurrent.futures.Executor (a process or thread pool, "
                    f"or a Dask client's client.get_executor()), not {type(executor).__name__}.")


def _run_here(specs, chunks, records, tracker, cancel, data):
    X, T, X_test, T_test, dtype, curve_points = data
    for chunk in chunks:
        if cancel is not None and cancel.is_set():
            return True
        members = [specs[i] for i in chunk]

        def on_epoch(epoch, chunk=chunk):
            tracker.epochs(chunk, epoch)
            return cancel is not None and cancel.is_set()

        done = train_stack(members, X, T, X_test, T_test, dtype=dtype,
                           curve_points=curve_points, on_epoch=on_epoch)
        if not done:
            return True
        for i, record in zip(chunk, done):
            records[i] = record
        tracker.finished(chunk)
    return False


def _run_on(executor, specs, chunks, records, tracker, cancel, data):
    pending = {executor.submit(_train_chunk, [specs[i] for i in chunk], *data): chunk
               for chunk in chunks}
    while pending:
        done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
        for future in done:
            chunk = pending.pop(future)
            for i, record in zip(chunk, future.result()):
                records[i] = record
            tracker.finished(chunk)
        if cancel is not None and cancel.is_set():
            for future in pending:
                future.cancel()
            return True
    return False


class _Tracker:
    """Counts runs and epochs done and reports them to the progress callback."""

    def __init__(self, specs, progress):
        self.specs, self.progress = specs, progress
        self.runs_total = len(specs)
        self.epochs_total = sum(s.config.epochs for s in specs)
        self.runs_done = self.epochs_done = 0
        self.partial = 0
        self.start = time.perf_counter()
        self.last_report = 0.0

    def epochs(self, chunk, epoch):
        self.partial = epoch * len(chunk)
        self._report(throttle=True)

    def finished(self, chunk):
        self.runs_done += len(chunk)
        self.epochs_done += sum(self.specs[i].config.epochs for i in chunk)
        self.partial = 0
        self._report(throttle=False)

    def _report(self, throttle):
        if self.progress is None:
            return
        now = time.perf_counter() - self.start
        if throttle and now - self.last_report < 0.1:
            return
        self.last_report = now
        self.progress(SweepProgress(self.runs_done, self.runs_total,
                                    self.epochs_done + self.partial, self.epochs_total, now))


def run_sweep(space, X, T, X_test=None, T_test=None, *, configs=None, **options) -> "SweepResult":
    """Run a :class:`~nncore.SweepSpace` (its grid, or the given ``configs``); see :func:`run_specs`."""
    start = time.perf_counter()
    pairs = space.runs(configs)
    records, cancelled = run_specs([spec for _, spec in pairs], X, T, X_test, T_test, **options)
    kept = [(settings, r) for (settings, _), r in zip(pairs, records) if r is not None]
    return SweepResult(tuple(space.axes), tuple(s for s, _ in kept), tuple(r for _, r in kept),
                       len(pairs), cancelled, time.perf_counter() - start)


_SCORES = ("final_train_loss", "final_test_loss", "final_train_metric", "final_test_metric",
           "best_test_loss", "best_epoch", "diverged", "diverged_epoch", "epochs_run")


@dataclass(frozen=True)
class SweepResult:
    """The finished runs of a sweep: ``settings[i]`` (axis values and seed) and ``records[i]``."""

    axes: tuple[str, ...]
    settings: tuple[dict, ...]
    records: tuple[RunRecord, ...]
    runs_total: int
    cancelled: bool
    seconds: float

    def rows(self) -> list[dict]:
        """Tidy records: one dict per (config, seed) with the axis values and the scores."""
        return [{**s, **{name: getattr(r, name) for name in _SCORES}}
                for s, r in zip(self.settings, self.records)]

    def config_of(self, settings: dict) -> tuple:
        return tuple(settings[a] for a in self.axes)

    def scores(self, score: str = "final_test_loss") -> dict[tuple, np.ndarray]:
        """Per configuration (a tuple of axis values), the score of each seed's run."""
        out: dict = {}
        for s, r in zip(self.settings, self.records):
            out.setdefault(self.config_of(s), []).append(getattr(r, score))
        return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}

    def aggregate(self, score: str = "final_test_loss") -> list[dict]:
        """Per configuration over its seeds: mean, std (n − 1), min, max, runs, diverged runs.

        Diverged runs are counted, not hidden; their scores are left out of the statistics."""
        diverged = self.scores("diverged")
        rows = []
        for config, values in self.scores(score).items():
            ok = values[~diverged[config].astype(bool)]
            finite = ok[np.isfinite(ok)]
            rows.append({**dict(zip(self.axes, config)), "runs": len(values),
                         "diverged": int(diverged[config].sum()),
                         "mean": float(finite.mean()) if len(finite) else float("nan"),
                         "std": float(finite.std(ddof=1)) if len(finite) > 1 else float("nan"),
                         "min": float(finite.min()) if len(finite) else float("nan"),
                         "max": float(finite.max()) if len(finite) else float("nan")})
        return rows


@dataclass(frozen=True)
class Verdict:
    """Whether config ``a`` beats config ``b`` by more than the seed-to-seed noise."""

    winner: str | None          # "a", "b" or None (within the noise, or not enough seeds)
    difference: float           # mean(a) − mean(b)
    noise: float                # standard error of that difference
    sentence: str


def compare_runs(a, b, *, lower_is_better: bool = True, name_a: str = "A", name_b: str = "B",
                 score_name: str = "test loss") -> Verdict:
    """Say in plain language whether ``a`` and ``b`` (one score per seed each) really differ.

    Welch's test: the difference of means is compared with its standard error
    ``s = √(s_a²/n_a + s_b²/n_b)``. Beyond ``t·s``, with ``t`` Student's 97.5% point for the
    Welch–Satterthwaite degrees of freedom, the better one is called the winner: for normal
    noise, two configs that do not differ are called different about 5% of the time (about 2%
    with two seeds each, where the test is cautious). With few seeds ``t`` is large because the
    noise itself is measured roughly (4.3–12.7 with 2 seeds each, 2.8–4.3 with 3, 2.1–2.3 with
    10; the larger value when one config's spread dominates). Within ``t·s``, the seeds alone
    could explain the gap.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return Verdict(None, float("nan"), float("nan"),
                       f"Cannot tell whether {name_a} or {name_b} is better: each needs at least "
                       f"two seeds that finished, to measure the seed-to-seed noise.")
    difference = float(a.mean() - b.mean())
    scale = float(max(np.abs(a).max(), np.abs(b).max())) or 1.0   # squares of 1e160 overflow
    spread_a, spread_b = (a / scale).var(ddof=1) / len(a), (b / scale).var(ddof=1) / len(b)
    noise = scale * math.sqrt(spread_a + spread_b)
    threshold = welch_threshold(spread_a, len(a), spread_b, len(b))
    better_a = difference < 0 if lower_is_better else difference > 0
    winner, loser = (name_a, name_b) if better_a else (name_b, name_a)
    gap = abs(difference)
    if gap > threshold * noise:
        times = f"{gap / noise:.1f} times" if noise > 0 else "far more than"
        return Verdict("a" if better_a else "b", difference, noise,
                       f"{winner} beats {loser}: the {score_name} differs by {gap:.3g}, "
                       f"{times} the seed-to-seed noise ({noise:.2g}), where {threshold:.1f} times "
                       f"is enough with these seeds (95% confidence).")
    return Verdict(None, difference, noise,
                   f"{name_a} and {name_b} are within the seed-to-seed noise: their {score_name} "
                   f"differs by {gap:.3g}, while different seeds alone move it by about "
                   f"{noise:.2g}, and with these seeds a real difference has to exceed "
                   f"{threshold:.1f} times that. Run more seeds before calling a winner.")


_NORMAL_975 = 1.959963984540054
"""The normal distribution's 97.5% point, the limit of Student's as ν grows."""


def welch_threshold(spread_a: float, n_a: int, spread_b: float, n_b: int) -> float:
    """Student's 97.5% point for Welch's degrees of freedom
    ``ν = (v_a + v_b)² / (v_a²/(n_a − 1) + v_b²/(n_b − 1))``, where ``v = s²/n`` (``spread``);
    1.96 (the normal point) when neither sample varies, or their spreads overflow. ν does not
    change when both spreads are scaled, so they are divided by the larger first."""
    largest = max(spread_a, spread_b)
    if not 0 < largest < math.inf:
        return _NORMAL_975
    a, b = spread_a / largest, spread_b / largest
    return t_quantile(0.975, (a + b) ** 2 / (a ** 2 / (n_a - 1) + b ** 2 / (n_b - 1)))
