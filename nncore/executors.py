"""Training a sweep's chunks on an executor, with progress reports and cancelling.

- Each chunk (see :mod:`nncore.sweep_work`) is one task for a ``concurrent.futures.Executor``.
  By default that is a local pool of ``workers`` processes (one per core), each with one BLAS
  thread; ``workers=1`` trains in this process, reporting every epoch. Any other executor works
  unchanged, for example a Dask ``distributed`` client's ``client.get_executor()``; a client
  itself is accepted too, and asked for that executor.
- Memory: a sweep holds at most ``workers × memory_budget`` bytes of working arrays, plus the
  data and the results (``runs × (3 × curve_points + P) × 8`` bytes).
- Progress is reported as :class:`SweepProgress`, at most every 0.1 s while a chunk trains here
  and whenever a chunk finishes; setting ``cancel`` stops the sweep within about a second.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from .stacked import RunRecord, RunSpec, train_stack
from .sweep_work import MEMORY_BUDGET, plan_chunks

__all__ = ["run_specs", "SweepProgress"]

_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class SweepProgress:
    """Passed to a sweep's ``progress`` callback."""

    runs_done: int
    runs_total: int
    epochs_done: int
    epochs_total: int
    seconds: float


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
    data = (X, T, X_test, T_test, dtype, curve_points)
    workers = workers or os.cpu_count() or 1
    if executor is None and workers == 1:
        return records, _run_here(specs, chunks, records, tracker, cancel, data)
    if executor is not None:
        return records, _run_on(executor, specs, chunks, records, tracker, cancel, data)
    with _local_pool(workers, cancel) as pool:
        return records, _run_on(pool, specs, chunks, records, tracker, cancel, data)


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


@contextmanager
def _local_pool(workers: int, cancel):
    """A pool of ``workers`` fresh processes with one BLAS thread each; on the way out it waits
    for running chunks unless the sweep was cancelled, and drops the chunks not started."""
    with _one_blas_thread_in_children():
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
        try:
            yield pool
        finally:
            pool.shutdown(wait=not (cancel is not None and cancel.is_set()), cancel_futures=True)


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


def _train_chunk(specs, X, T, X_test, T_test, dtype, curve_points):
    return train_stack(specs, X, T, X_test, T_test, dtype=dtype, curve_points=curve_points)


def _run_here(specs, chunks, records, tracker, cancel, data) -> bool:
    """Train the chunks one after another in this process; True if cancelled."""
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


def _run_on(executor, specs, chunks, records, tracker, cancel, data) -> bool:
    """Submit every chunk to ``executor`` and collect them as they finish; True if cancelled."""
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
