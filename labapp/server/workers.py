"""The server's second core: one small pool of worker processes, shared by every student, for
the heavy work: sweeps (any ``concurrent.futures`` work can use it).

- **Size**: :func:`pool_size` workers, ``min(2, cores)``: on the 2 cores Streamlit Community
  Cloud gives, a heavy sweep uses both while nobody else needs them.
- **Fair**: each worker runs at a lower CPU priority (``nice`` :data:`NICE`) with one BLAS
  thread, so a student's default run in the server process gets a core first, and a sweep only
  takes what is left. Heavy work in another process also leaves the server's interpreter lock
  to the pages. Between sweeps, chunks take turns (:class:`Turns`): each sweep gets its own
  :func:`shared_pool` handle, and a free worker takes the next chunk of the sweep whose turn it
  is, so a small sweep asked for during a heavy one waits for one chunk, not for all of them.
- **Started cleanly**: lazily, when the sweep page first asks for a sweep's cost
  (:func:`warm_up`, in the background) or on the first sweep, all workers at once, with the ``spawn``
  start method (never ``fork`` from a threaded server). A spawned worker would import the
  server's ``__main__`` (Streamlit's command line, or a test's page script) and run it; the
  workers start with a blank ``__main__`` instead, and import only NumPy and the engine.
- **Memory**: a chunk's working arrays stay within nncore's ``MEMORY_BUDGET``, so the pool holds
  at most ``workers × MEMORY_BUDGET`` bytes of them; that much is reserved in the server's
  :data:`~labapp.server.memory.WORKING` budget while the pool lives. :func:`worker_memory`
  gives the workers' resident memory (the server logs it after each sweep).
- **Broken**: a worker that dies (killed for memory, say) breaks the pool: every sweep on it
  fails with ``BrokenProcessPool``; :func:`restart` drops it (once, whichever sweep asks
  first) and the next sweep starts a new one; :data:`BROKEN` is what the student reads.
- **Stopped** at the server's exit (``atexit``); cancelling a sweep drops its chunks not yet
  started, and a running chunk ends within about half a second (nncore's chunk size).

Why a stdlib ``ProcessPoolExecutor`` and not joblib's loky: nncore's executors take any
``concurrent.futures.Executor`` already, this one needs no package the app does not list, and
what loky adds (reusing and resizing executors) is not needed by one fixed pool; the two things
this pool needs beyond it (priority, memory reservation) are a few lines here either way.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import threading
import types
from collections import deque
from concurrent.futures import CancelledError, Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

from nncore.sweep_work import MEMORY_BUDGET

from .memory import WORKING, ServerBusy

__all__ = ["pool_size", "shared_pool", "warm_up", "restart", "shutdown", "worker_memory",
           "pool_memory", "Turns", "BrokenProcessPool", "BROKEN", "NICE"]

#: How much lower the workers' CPU priority is than the server's (0 to 19).
NICE = 10
#: What a student reads when a worker died under their sweep.
BROKEN = ("A helper process of the server stopped while it ran this (the server may be short "
          "of memory), so it did not finish. It has been restarted: press the button again.")
_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pool_size(cores: int | None = None) -> int:
    """Workers for a machine of ``cores`` cores (this one's by default): at most two."""
    cores = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, min(2, cores))


def pool_memory(workers: int) -> int:
    """Bytes of working arrays a pool of ``workers`` holds at most (one chunk per worker)."""
    return workers * MEMORY_BUDGET


def _start_worker() -> None:
    """In each worker, first: a lower priority and one BLAS thread."""
    os.nice(NICE)
    os.environ.update({v: "1" for v in _BLAS_VARS})
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)


@contextmanager
def _blank_main():
    """Processes started inside see an empty ``__main__`` and so do not import the server's."""
    kept = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = kept


def _started(workers: int) -> ProcessPoolExecutor:
    """A pool with all ``workers`` running (each submitted task finds no idle worker and so
    starts one, here, with a blank ``__main__``; none is started later)."""
    with _blank_main():
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker)
        ready = [pool.submit(os.getpid) for _ in range(workers)]
    for future in ready:
        future.result()
    return pool


class Turns:
    """Tasks of several submitters taking turns on ``executor``: at most ``slots`` of them in it
    at once; when one ends, the next comes from the submitter whose turn it is (then last in
    line). :meth:`share` gives each submitter its own ``Executor``."""

    def __init__(self, executor: Executor, slots: int):
        self.executor, self._slots = executor, slots
        self._queues: dict[_Share, deque] = {}              # in turn order
        self._running, self._closed = 0, False
        self._changed = threading.Condition()
        threading.Thread(target=self._dispatch, name="labapp-pool-turns", daemon=True).start()

    def share(self) -> Executor:
        return _Share(self)

    def submit(self, share, call) -> Future:
        future = Future()
        with self._changed:
            if self._closed:
                raise BrokenProcessPool("The worker pool was stopped.")
            self._queues.setdefault(share, deque()).append((future, call))
            self._changed.notify_all()
        return future

    def close(self) -> None:
        """Take no more tasks; those still waiting fail as on a broken pool."""
        with self._changed:
            self._closed = True
            waiting = [future for queue in self._queues.values() for future, _ in queue]
            self._queues.clear()
            self._changed.notify_all()
        for future in waiting:
            if future.set_running_or_notify_cancel():
                future.set_exception(BrokenProcessPool("The worker pool was restarted."))

    def _next(self):
        """The next task not cancelled, by turns; None when none waits."""
        while self._queues:
            share, queue = next(iter(self._queues.items()))
            del self._queues[share]
            future, call = queue.popleft()
            if queue:
                self._queues[share] = queue                  # to the back of the line
            if future.set_running_or_notify_cancel():
                return future, call
        return None

    def _dispatch(self) -> None:
        while True:
            with self._changed:
                task = None
                while not self._closed and (self._running >= self._slots
                                            or (task := self._next()) is None):
                    self._changed.wait()
                if self._closed:
                    return
                self._running += 1
            future, call = task
            try:
                running = self.executor.submit(call)
            except BaseException as error:                  # a broken or stopped pool
                self._ended(future, None, error)
                continue
            running.add_done_callback(partial(self._ended, future))

    def _ended(self, future: Future, running: Future | None, error=None) -> None:
        with self._changed:
            self._running -= 1
            self._changed.notify_all()
        if running is not None:
            error = CancelledError() if running.cancelled() else running.exception()
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(running.result())


class _Share(Executor):
    """One submitter's turn-taking handle on :class:`Turns`."""

    def __init__(self, turns: Turns):
        self.turns = turns

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self.turns.submit(self, partial(fn, *args, **kwargs))


class _Pool:
    """The one pool, started on first use, with its memory held in the budget."""

    def __init__(self, workers: int):
        self.workers = workers
        self._turns: Turns | None = None
        self._reserved: ExitStack | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._turns is not None

    def turns(self) -> Turns:
        with self._lock:
            if self._turns is None:
                reserved = ExitStack()
                reserved.enter_context(WORKING.reserve(pool_memory(self.workers)))
                try:
                    self._turns = Turns(_started(self.workers), self.workers)
                except BaseException:
                    reserved.close()
                    raise
                self._reserved = reserved
            return self._turns

    def stop(self, wait: bool, only: Turns | None = None) -> None:
        """Stop the pool (``only`` if it is still that one)."""
        with self._lock:
            if only is not None and self._turns is not only:
                return
            turns, reserved = self._turns, self._reserved
            self._turns = self._reserved = None
        if turns is not None:
            turns.close()
            turns.executor.shutdown(wait=wait, cancel_futures=True)
        if reserved is not None:
            reserved.close()

    def pids(self) -> list[int]:
        with self._lock:
            executor = self._turns.executor if self._turns is not None else None
            return list(getattr(executor, "_processes", None) or {})


_POOL = _Pool(pool_size())


def shared_pool() -> Executor:
    """A handle on the server's pool for one sweep (its chunks take turns with other sweeps';
    the pool is started now if it is not running). Raises
    :class:`~labapp.server.memory.ServerBusy` when the server has no memory for it now."""
    return _POOL.turns().share()


def warm_up() -> None:
    """Start the pool in the background, if it is not running (a page that will probably need
    it asks, so that its first sweep does not wait for the workers to start)."""
    if not _POOL.running:
        threading.Thread(target=_start_quietly, name="labapp-pool-start", daemon=True).start()


def _start_quietly() -> None:
    try:
        _POOL.turns()
    except ServerBusy:
        pass                     # no memory for it now: the sweep itself will say so


def restart(handle: Executor | None = None) -> None:
    """Drop a broken pool (its memory given back): the pool of ``handle`` if it is still the
    server's, else nothing (another sweep restarted it already); the next :func:`shared_pool`
    starts anew."""
    _POOL.stop(wait=False, only=handle.turns if isinstance(handle, _Share) else None)


def shutdown() -> None:
    """Stop the pool: chunks not started are dropped, running ones finish."""
    _POOL.stop(wait=True)


def worker_memory() -> dict[int, float]:
    """Each live worker's resident memory in MB, by process id (empty before the first sweep)."""
    found = {}
    for pid in _POOL.pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:                                    # ended meanwhile, or not Linux
            continue
        line = next((row for row in status.splitlines() if row.startswith("VmRSS:")), None)
        if line is not None:
            found[pid] = int(line.split()[1]) / 1024
    return found


atexit.register(shutdown)
