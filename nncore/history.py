"""What a training run records, as plain data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .network import MLP

__all__ = ["History", "TrainResult", "Progress"]


@dataclass(frozen=True)
class History:
    """One row per epoch run; epoch ``e`` (1-based) is row ``e − 1``.

    - ``train_loss`` (E,): the loss the optimiser saw during the epoch (with dropout noise when
      dropout is on; the mean over the epoch's batches for mini-batch training). Full-batch, it
      is the loss of the weights the epoch started with.
    - ``test_loss`` (E,): evaluation-mode loss on the test set, of the weights the epoch started
      with (NaN without a test set). Full-batch, both losses describe the same weights.
    - ``train_metric``, ``test_metric`` (E,): R² (regression) or accuracy (classification).
    - ``learning_rate`` (E,), ``penalty`` (E,): the L1/L2 term, not included in the losses.
    - ``weight_norm``, ``grad_norm`` (E, L): Frobenius norms of each layer's weight matrix and
      of the gradient the optimiser received for it (∂L/∂W_l, plus the L1/L2 terms when they
      are on), at the epoch's last step (before its update).
    - ``dead_fraction`` (E, L−1): share of each hidden ReLU layer's units that were zero on every
      training row of the epoch; NaN for hidden layers that are not ReLU.
    """

    train_loss: np.ndarray
    test_loss: np.ndarray
    train_metric: np.ndarray
    test_metric: np.ndarray
    learning_rate: np.ndarray
    penalty: np.ndarray
    weight_norm: np.ndarray
    grad_norm: np.ndarray
    dead_fraction: np.ndarray
    metric_name: str

    @property
    def epochs(self) -> np.ndarray:
        """Epoch numbers, 1-based."""
        return np.arange(1, len(self.train_loss) + 1)

    def columns(self) -> dict[str, np.ndarray]:
        """Flat named columns, one value per epoch, ready for a CSV or a data frame."""
        cols = {"epoch": self.epochs, "train_loss": self.train_loss, "test_loss": self.test_loss,
                f"train_{self.metric_name}": self.train_metric,
                f"test_{self.metric_name}": self.test_metric,
                "learning_rate": self.learning_rate, "penalty": self.penalty}
        for l in range(self.weight_norm.shape[1]):
            cols[f"weight_norm_{l + 1}"] = self.weight_norm[:, l]
            cols[f"grad_norm_{l + 1}"] = self.grad_norm[:, l]
        for h in range(self.dead_fraction.shape[1]):
            cols[f"dead_fraction_{h + 1}"] = self.dead_fraction[:, h]
        return cols

    def to_csv(self) -> str:
        """The history as CSV text with a header row."""
        cols = self.columns()
        lines = [",".join(cols)]
        lines += [",".join(repr(float(v)) for v in row) for row in zip(*cols.values())]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class TrainResult:
    """The outcome of :func:`nncore.train`.

    ``stop_reason`` is ``"completed"``, ``"early_stopping"``, ``"callback"`` or ``"diverged"``
    (``"paused"`` for a :class:`~nncore.Training` that can go on).
    ``diverged_epoch`` and ``best_epoch`` are 1-based epoch numbers. With early stopping
    (``patience``), a run that completes or stops early keeps the best weights it produced:
    ``best_epoch`` names the epoch whose starting weights they are (history row
    ``best_epoch − 1``), or is ``epochs_run + 1`` when the final weights were best. A run stopped
    by its callback keeps the weights it had. The ``final_*`` values are
    measured in evaluation mode on the weights the network keeps (NaN where there is no test set).
    ``message`` says in one plain sentence how the run ended.
    """

    history: History
    epochs_run: int
    stop_reason: str
    diverged: bool
    diverged_epoch: int | None
    best_epoch: int | None
    final_train_loss: float
    final_test_loss: float
    final_train_metric: float
    final_test_metric: float
    message: str


@dataclass(frozen=True)
class Progress:
    """What a callback sees after each epoch. The curves are views, valid during the call;
    ``net`` is the network being trained, with the weights it has now (a live view too: copy
    it to keep them)."""

    epoch: int
    epochs: int
    train_loss: float
    test_loss: float
    train_curve: np.ndarray
    test_curve: np.ndarray
    net: "MLP | None" = None
