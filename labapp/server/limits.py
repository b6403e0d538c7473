"""The caps that protect a shared server, enforced on the server side.

Sliders show these ranges, but every value that reaches the engine (from a widget, a link or a
preset) is clamped to them first, so a tampered URL cannot ask for more.

| what | cap |
|---|---|
| epochs | 1 to 5,000 |
| hidden layers | 0 to 10 |
| units per hidden layer | 1 to 256 |
| synthetic samples | 20 to 5,000 |
| time of one run | about 5 s of one core, estimated before it runs (:mod:`labapp.compute.run_cost`); epochs are cut to fit, and a run whose one epoch takes longer is refused |
| memory of one run | 400 MB, estimated before it allocates; a larger run is refused |
| memory of running work | 600 MB for all students' running computations at once; more waits its turn |
| memory held from files | 500 MB for every student's uploads and what was computed from them; 150 MB for one student; emptied 30 s after the student's tab closes |
| gradient check | the first 16 training rows, networks of at most 20,000 parameters |
| one URL value | 200 characters (longer values are ignored) |
| upload | 50 MB, 200,000 rows (:mod:`labapp.data`) and 5 million values (rows × columns) |
| sweep | 1 to 3 axes of up to 8 values, 1 to 10 seeds, 50 to 1,000 samples; refused beyond about 30 s of estimated work |
| split experiments | 50 to 1,000 samples, 10 to 1,000 epochs; epochs cut so all four experiments stay within about 10 s |

With the server's own memory (about 220 MB with its libraries), the three memory bounds keep
one process under 1.5 GB whatever the class does (``benchmarks/bench_memory.py``). The split
experiments' *work* is ``epochs × (N_train × parameters + batches per epoch × STEP_COST)`` for
each of their stacked runs.
"""
from __future__ import annotations

import math

__all__ = ["MAX_EPOCHS", "MAX_HIDDEN_LAYERS", "MAX_WIDTH", "MIN_SAMPLES", "MAX_SAMPLES",
           "RUN_SECONDS", "RUN_MEMORY", "WORKING_MEMORY", "HELD_MEMORY", "SESSION_MEMORY",
           "MEMORY_WAIT_SECONDS", "PARSE_BYTES_PER_BYTE", "PARSE_BYTES_PER_CELL", "MAX_CELLS",
           "GONE_SESSION_SECONDS", "STEP_COST", "GRADCHECK_ROWS", "MAX_GRADCHECK_PARAMS", "MAX_PARAM_CHARS",
           "MIN_LEARNING_RATE", "MAX_LEARNING_RATE", "MAX_SEED", "run_work",
           "MAX_SWEEP_VALUES", "MAX_SWEEP_SEEDS",
           "MAX_EXPERIMENT_SAMPLES", "MAX_EXPERIMENT_EPOCHS", "EXPERIMENT_WORK"]

MAX_EPOCHS = 5000
MAX_HIDDEN_LAYERS = 10
MAX_WIDTH = 256
MIN_SAMPLES, MAX_SAMPLES = 20, 5000
MIN_LEARNING_RATE, MAX_LEARNING_RATE = 1e-6, 10.0
MAX_SEED = 1_000_000
#: Seconds of one core one training run may take (estimated by :mod:`labapp.compute.run_cost`).
RUN_SECONDS = 5.0
#: Bytes one training run may allocate (estimated by :mod:`labapp.compute.run_cost`, an upper bound).
RUN_MEMORY = 400e6
#: Bytes all running computations together may allocate; more work waits its turn.
WORKING_MEMORY = 600e6
#: How long work waits for memory before it gives up with a note.
MEMORY_WAIT_SECONDS = 60.0
#: Bytes kept between reruns by students' sessions (uploads, results computed from them, paused
#: runs).
HELD_MEMORY = 500e6
#: The same, for one session.
SESSION_MEMORY = 150e6
#: A session gone this long (its tab closed) has its upload and results emptied.
GONE_SESSION_SECONDS = 30.0
#: Parsing a CSV file allocates up to about this many bytes per byte of the file, and per value
#: in it (measured by ``benchmarks/bench_memory.py``: 485 MB for 50 MB of 2.9 million long
#: numbers, 819 MB for 40 MB of 20 million one-digit numbers).
PARSE_BYTES_PER_BYTE, PARSE_BYTES_PER_CELL = 8, 40
#: The most values (rows × columns) an uploaded file may hold: parsing it stays within the
#: running-work memory.
MAX_CELLS = 5_000_000
#: Work units of one optimiser step of the split experiments beyond its multiply-adds.
STEP_COST = 200_000
GRADCHECK_ROWS = 16
MAX_GRADCHECK_PARAMS = 20_000
MAX_PARAM_CHARS = 200
MAX_SWEEP_VALUES = 8
MAX_SWEEP_SEEDS = 10
MAX_EXPERIMENT_SAMPLES = 1000
MAX_EXPERIMENT_EPOCHS = 1000
#: Work (``run_work`` units) of all four split experiments together: about 10 s.
EXPERIMENT_WORK = 50e9


def run_work(epochs: int, n_train: int, n_params: int, batch_size: int) -> float:
    """The work of a run (see the module docstring); ``batch_size`` 0 means full batch."""
    batches = 1 if batch_size <= 0 else math.ceil(n_train / min(batch_size, n_train))
    return float(epochs) * (n_train * n_params + batches * STEP_COST)
