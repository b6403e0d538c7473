"""The caps that protect a shared server, enforced on the server side.

Sliders show these ranges, but every value that reaches the engine (from a widget, a link or a
preset) is clamped to them first, so a tampered URL cannot ask for more.

| what | cap |
|---|---|
| epochs | 1 to 5,000 |
| hidden layers | 0 to 10 |
| units per hidden layer | 1 to 256 |
| synthetic samples | 20 to 5,000 |
| work of one run | 25 billion units (about 5 s here); epochs are cut to fit |
| gradient check | the first 16 training rows, networks of at most 20,000 parameters |
| one URL value | 200 characters (longer values are ignored) |
| upload | 50 MB and 200,000 rows (:mod:`labapp.data`) |
| sweep | 1 to 3 axes of up to 8 values, 1 to 10 seeds, 50 to 1,000 samples; refused beyond about 30 s of estimated work |
| split experiments | 50 to 1,000 samples, 10 to 1,000 epochs; epochs cut so all four experiments stay within about 10 s |

A run's *work* is ``epochs × (N_train × parameters + batches per epoch × STEP_COST)``: the
multiply-adds of the forward and backward passes, plus a fixed cost for every optimiser step.
"""
from __future__ import annotations

import math

__all__ = ["MAX_EPOCHS", "MAX_HIDDEN_LAYERS", "MAX_WIDTH", "MIN_SAMPLES", "MAX_SAMPLES",
           "MAX_WORK", "STEP_COST", "GRADCHECK_ROWS", "MAX_GRADCHECK_PARAMS", "MAX_PARAM_CHARS",
           "MIN_LEARNING_RATE", "MAX_LEARNING_RATE", "MAX_SEED", "run_work", "affordable_epochs",
           "MAX_SWEEP_VALUES", "MAX_SWEEP_SEEDS", "SWEEP_BUDGET_SECONDS", "STACK_STEP_SECONDS",
           "MAX_EXPERIMENT_SAMPLES", "MAX_EXPERIMENT_EPOCHS", "EXPERIMENT_WORK"]

MAX_EPOCHS = 5000
MAX_HIDDEN_LAYERS = 10
MAX_WIDTH = 256
MIN_SAMPLES, MAX_SAMPLES = 20, 5000
MIN_LEARNING_RATE, MAX_LEARNING_RATE = 1e-6, 10.0
MAX_SEED = 1_000_000
#: Work units of one optimiser step beyond its multiply-adds (measured: about 50 µs).
STEP_COST = 200_000
MAX_WORK = 25e9
GRADCHECK_ROWS = 16
MAX_GRADCHECK_PARAMS = 20_000
MAX_PARAM_CHARS = 200
MAX_SWEEP_VALUES = 8
MAX_SWEEP_SEEDS = 10
#: The largest sweep the page starts: about 30 s of one core, estimated before it runs.
SWEEP_BUDGET_SECONDS = 30.0
#: Fixed cost of one step of a stack of runs, beyond its multiply-adds (measured: about 0.4 ms).
STACK_STEP_SECONDS = 4e-4
MAX_EXPERIMENT_SAMPLES = 1000
MAX_EXPERIMENT_EPOCHS = 1000
#: Work (``run_work`` units) of all four split experiments together: about 10 s.
EXPERIMENT_WORK = 50e9


def run_work(epochs: int, n_train: int, n_params: int, batch_size: int) -> float:
    """The work of a run (see the module docstring); ``batch_size`` 0 means full batch."""
    batches = 1 if batch_size <= 0 else math.ceil(n_train / min(batch_size, n_train))
    return float(epochs) * (n_train * n_params + batches * STEP_COST)


def affordable_epochs(epochs: int, n_train: int, n_params: int, batch_size: int) -> int:
    """``epochs``, or fewer (at least 1) so that the run's work stays within :data:`MAX_WORK`."""
    per_epoch = run_work(1, n_train, n_params, batch_size)
    return max(1, min(epochs, int(MAX_WORK // per_epoch)))
