"""What one training run costs the shared server, estimated before it runs: seconds of one core,
and bytes of memory.

**Time.** An epoch is a number of optimiser steps (one for full batch, ⌈N/B⌉ for batches of B),
plus one evaluation of the test rows. One step costs

    STEP + LAYER·L (+ NOISE·L with dropout or DropConnect) + PARAM·P (+ MASK·P with
    DropConnect) + B·(MAC·3M + UNIT·3H (×2 with dropout) + GATHER·(D + C) for mini-batches)

for L layers, P parameters, M multiply-adds per row (forward; the backward pass does two more),
H hidden and output units, D inputs and C outputs. The per-step terms matter: a step of a
ten-layer, 256-unit network moves every one of its 600,000 parameters through the optimiser,
whatever the batch size, so 3,750 steps of batch 1 take about 45 s however small each batch is.
After training, the report evaluates every row (and the decision boundary's grid of 2-D data)
once. Early stopping without test rows watches the training loss of the weights each epoch
starts with: with mini-batches, dropout or DropConnect that is one more forward pass over the
training rows per epoch. The constants were fitted to measured runs on this machine by
``benchmarks/bench_caps.py`` and rounded up (``UNIT`` is tanh's, the dearest activation);
``benchmarks/README.md`` has the estimate against measured runs.

**Memory.** Training holds, per unit, a few floats for every row of a batch (four, and three
more with dropout's masks; two batch sizes when the last batch is smaller) and for every row it
evaluates (the test rows during training, the training rows at its end); and thirteen floats
per parameter (the parameters, their gradients, snapshots and Adam's state), sixteen with
DropConnect's masks, and one more with early stopping (the best weights). That bounds what
``nncore.train`` and the report allocate (tested, up to ten layers of 256 units).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["RunShape", "step_seconds", "epoch_seconds", "report_seconds", "run_bytes",
           "STEP_SECONDS", "LAYER_SECONDS", "NOISE_LAYER_SECONDS", "PARAM_SECONDS",
           "MASK_SECONDS", "MAC_SECONDS", "UNIT_SECONDS", "GATHER_SECONDS", "REPORT_SECONDS",
           "REPORT_BYTES"]

#: Seconds of one core, fitted here (``benchmarks/bench_caps.py``) and rounded up.
STEP_SECONDS = 60e-6            # per optimiser step: the Python around it
LAYER_SECONDS = 15e-6           # per layer and step: the NumPy calls of a layer
PARAM_SECONDS = 14e-9           # per parameter and step: gradient, norms, the optimiser (Adam)
MASK_SECONDS = 8e-9             # per weight and step with DropConnect: drawing the mask
NOISE_LAYER_SECONDS = 25e-6     # per layer and step with dropout or DropConnect: the draws' calls
MAC_SECONDS = 0.12e-9           # per multiply-add of the matrix products
UNIT_SECONDS = 6e-9             # per row, unit and pass: activations and their derivatives
GATHER_SECONDS = 35e-9          # per row and input or target column: copying a mini-batch
REPORT_SECONDS = 0.03           # the report's fixed part: metrics, confusion, predictions
#: Bytes of a run beyond its arrays: the history, the report, Python's objects.
REPORT_BYTES = 4_000_000
#: Floats held per unit and row: of a batch (plus dropout's masks), of the evaluated rows.
BATCH_FLOATS, MASK_FLOATS, EVALUATION_FLOATS = 4, 3, 4
#: Floats held per parameter: values, gradients, snapshots, the optimiser's state (+ masks).
PARAM_FLOATS, DROPCONNECT_FLOATS = 13, 3


@dataclass(frozen=True)
class RunShape:
    """What the cost of a run depends on: layer ``sizes`` ``(D, h₁, …, C)``, the training and
    test rows, the batch size (0: full batch), whether dropout or DropConnect is on, and the
    rows of the decision boundary's grid the report evaluates (2-D data), and whether early
    stopping is on."""

    sizes: tuple[int, ...]
    n_train: int
    n_test: int = 0
    batch: int = 0
    dropout: bool = False
    dropconnect: bool = False
    grid_rows: int = 0
    early_stopping: bool = False

    @property
    def batch_rows(self) -> int:
        return self.n_train if self.batch <= 0 else min(self.batch, self.n_train)

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.n_train / max(self.batch_rows, 1))

    @property
    def watches_train_loss(self) -> bool:
        """Whether early stopping measures the training rows once more each epoch."""
        noisy = self.dropout or self.dropconnect or self.steps_per_epoch > 1
        return self.early_stopping and self.n_test == 0 and noisy

    @property
    def n_params(self) -> int:
        return sum((i + 1) * o for i, o in zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def n_units(self) -> int:
        return sum(self.sizes[1:])


def _rows_seconds(shape: RunShape, rows: int, passes: int, dropout: bool) -> float:
    """Seconds of ``rows`` rows through the layers: ``passes`` products each (1 forward, 3 with
    the backward pass) and the elementwise work."""
    units = shape.n_units * (2 if dropout else 1)
    return rows * passes * (MAC_SECONDS * shape.n_params + UNIT_SECONDS * units)


def step_seconds(shape: RunShape) -> float:
    """Seconds of one optimiser step (see the module docstring)."""
    layers = len(shape.sizes) - 1
    per_layer = LAYER_SECONDS + (NOISE_LAYER_SECONDS if shape.dropout or shape.dropconnect
                                 else 0.0)
    per_param = PARAM_SECONDS + (MASK_SECONDS if shape.dropconnect else 0.0)
    gather = 0.0 if shape.batch_rows == shape.n_train else \
        GATHER_SECONDS * shape.batch_rows * (shape.sizes[0] + shape.sizes[-1])
    return (STEP_SECONDS + per_layer * layers + per_param * shape.n_params + gather +
            _rows_seconds(shape, shape.batch_rows, 3, shape.dropout))


def _evaluation_seconds(shape: RunShape, rows: int) -> float:
    """Seconds of one forward pass of ``rows`` rows, every unit on."""
    return 0.0 if rows == 0 else \
        LAYER_SECONDS * (len(shape.sizes) - 1) + _rows_seconds(shape, rows, 1, False)


def epoch_seconds(shape: RunShape) -> float:
    """Seconds of one epoch: its steps, one evaluation pass over the test rows, and one over
    the training rows when early stopping watches them."""
    watched = shape.n_train if shape.watches_train_loss else 0
    return shape.steps_per_epoch * step_seconds(shape) + \
        _evaluation_seconds(shape, shape.n_test) + _evaluation_seconds(shape, watched)


def report_seconds(shape: RunShape) -> float:
    """Seconds of what follows training: one evaluation pass over every row and the grid."""
    rows = shape.n_train + shape.n_test + shape.grid_rows
    return REPORT_SECONDS + _rows_seconds(shape, rows, 2, False)


def run_bytes(shape: RunShape) -> int:
    """Bytes a run allocates at most (see the module docstring)."""
    batch_rows = shape.batch_rows * (1 if shape.steps_per_epoch == 1 else 2)
    per_batch_row = BATCH_FLOATS + (MASK_FLOATS if shape.dropout else 0)
    evaluated = shape.n_train + shape.n_test + shape.grid_rows
    per_param = PARAM_FLOATS + (DROPCONNECT_FLOATS if shape.dropconnect else 0) + \
        (1 if shape.early_stopping else 0)
    data = (shape.n_train + shape.n_test) * (shape.sizes[0] + shape.sizes[-1]) * 2
    floats = shape.n_units * (batch_rows * per_batch_row + evaluated * EVALUATION_FLOATS) + \
        shape.n_params * per_param + data
    return REPORT_BYTES + 8 * floats
