"""Shared benchmark helpers: single-threaded BLAS, interleaved repeats, medians, tables."""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def interleaved_medians(cases: dict, repeats: int) -> dict[str, float]:
    """Run every case ``repeats`` times round-robin (so drift hits all alike); median seconds."""
    times = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def markdown_table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def optional(module: str):
    """Import ``module`` or return None, so a benchmark can say what it skipped and why."""
    try:
        return __import__(module)
    except ImportError:
        return None
