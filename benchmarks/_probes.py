"""The server's CPU time and memory, read from ``/proc`` while the load benchmarks run: the
server's own process (``bench_load.py``) or the server and every process below it, such as a
process pool's workers (``bench_class.py``)."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from _students import harness

SAMPLE_EVERY_S = 0.2


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command's name (field 3 on)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(server: harness.Server) -> float:
    """The CPU time (user + system) the server process has used so far."""
    fields = _stat(server.process.pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """``pid`` and every live process below it (a process pool's workers)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError):
                pass                                    # gone meanwhile
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


def tree_cpu_seconds(server: harness.Server) -> float:
    """The CPU time of the server and every process below it, those still running and those
    it has waited for (user + system, children's included)."""
    total = 0
    for pid in _tree(server.process.pid):
        try:
            total += sum(int(v) for v in _stat(pid)[11:15])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def tree_memory_mb(server: harness.Server) -> float:
    """The resident memory of the server and every process below it, in MB."""
    total = 0
    for pid in _tree(server.process.pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += sum(int(row.split()[1]) for row in status.splitlines()
                     if row.startswith("VmRSS:"))
    return total / 1024


class MemoryProbe:
    """Samples the server's resident memory (``measure(server)``, by default the server's own
    process) every :data:`SAMPLE_EVERY_S` in a thread."""

    def __init__(self, server: harness.Server, measure=None):
        self.server, self.samples = server, []
        self.measure = measure or harness.Server.memory_mb
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.measure(self.server))
            self._stop.wait(SAMPLE_EVERY_S)

    def __enter__(self) -> MemoryProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> float:
        return max(self.samples)
