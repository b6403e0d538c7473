"""Matching the loss, the output layer and the targets to the task.

| task | losses | output units | targets |
|---|---|---|---|
| regression | mse, sse | one per target column | the values |
| classification, 2 classes | bce, mse, sse | 1 (probability of class 1) | 0/1 |
| classification, 2 classes | ce | 2 (softmax) | one-hot |
| classification, C > 2 classes | ce, bce, mse, sse | C | one-hot |

``bce`` needs a sigmoid output and ``ce`` a softmax output; ``mse`` and ``sse`` take any output
activation except softmax. The loss ``auto`` (the default) is the usual one for the data, with
its usual output: mse and identity for regression, bce and sigmoid for two classes, ce and
softmax for more; a loss the student picks stays as long as it suits the task.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..settings.page_settings import AUTO_LOSS, SAME_LOSS

__all__ = ["losses_for", "outputs_for", "usual_loss", "loss_in_use", "fit_to_task",
           "output_units", "encode_targets", "REGRESSION_OUTPUTS"]

REGRESSION_OUTPUTS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu")
_FUSED = {"bce": ("sigmoid",), "ce": ("softmax",)}


def losses_for(task: str) -> tuple[str, ...]:
    """The losses that suit ``task``, the usual one first."""
    return ("mse", "sse") if task == "regression" else ("bce", "ce", "mse", "sse")


def outputs_for(loss: str) -> tuple[str, ...]:
    """The output activations ``loss`` can follow, the usual one first."""
    return _FUSED.get(loss, REGRESSION_OUTPUTS)


def usual_loss(task: str, n_classes: int) -> str:
    """The loss ``auto`` stands for: mse for regression, bce for two classes, ce for more."""
    if task == "regression":
        return "mse"
    return "bce" if n_classes == 2 else "ce"


def loss_in_use(train) -> str:
    """The loss a fitted ``train`` (see :func:`fit_to_task`) trains with."""
    return train.usual_loss if train.loss == AUTO_LOSS else train.loss


def fit_to_task(train, task: str, n_classes: int, dataset_label: str):
    """``(train, notes)``: the loss and output activation changed, if needed, to suit the task.
    ``auto`` stays ``auto`` (``usual_loss`` records what it stands for here) and takes its
    loss's usual output, without a note: that is what it means."""
    notes, usual = [], usual_loss(task, n_classes)
    train = replace(train, usual_loss=usual)
    if train.loss == AUTO_LOSS:
        train = replace(train, output=outputs_for(usual)[0])
    elif train.loss not in losses_for(task):
        train = replace(train, loss=usual, output=outputs_for(usual)[0])
        notes.append(f"{dataset_label} is a {task} task, so the loss is now {usual} and the "
                     f"output activation {train.output}.")
    fitting = outputs_for(loss_in_use(train))
    if train.output not in fitting:
        output = fitting[0]
        notes.append(f"The {train.loss} loss needs a {' or '.join(fitting)} output, so the "
                     f"output activation is now {output}.")
        train = replace(train, output=output)
    return _fit_gradient_loss(train, notes)


def _fit_gradient_loss(train, notes: list[str]):
    """The loss whose gradient the steps follow, back to the loss itself if it cannot follow
    the output activation. Any task may take any loss's gradient: seed post 003 follows
    cross-entropy's, ``a − y``, on regression targets outside [0, 1]."""
    wanted = train.gradient_loss
    if wanted == SAME_LOSS or wanted == loss_in_use(train):
        return replace(train, gradient_loss=SAME_LOSS), notes
    if train.output not in outputs_for(wanted):
        notes.append(f"The steps cannot follow the {wanted} loss's gradient with a "
                     f"{train.output} output, so they follow the {loss_in_use(train)} loss's "
                     "own.")
        train = replace(train, gradient_loss=SAME_LOSS)
    return train, notes


def output_units(task: str, loss: str, n_classes: int, n_targets: int = 1) -> int:
    """How many output units the network needs (see the module table)."""
    if task == "regression":
        return n_targets
    return 1 if n_classes == 2 and loss != "ce" else n_classes


def encode_targets(labels: np.ndarray, units: int) -> np.ndarray:
    """Class codes ``(N,)`` as targets ``(N, units)``: 0/1 in one column, or one-hot."""
    labels = np.asarray(labels, dtype=np.int64)
    if units == 1:
        return labels.astype(np.float64)[:, None]
    return np.eye(units)[labels]
