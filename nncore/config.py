"""Training settings as one frozen dataclass, checked when it is made."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from .textbook_masks import MASK_LEVELS
from .losses import LOSSES
from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES
from .validation import as_sequence, is_real, is_whole, seed_problem

__all__ = ["TrainConfig", "MAX_EPOCHS", "DROPCONNECT_RULES"]

MAX_EPOCHS = 10**6
"""The most epochs a run may have: every epoch keeps a row of history (losses, norms, dead
units), so more would fill the memory before the run could end."""


@dataclass(frozen=True)
class TrainConfig:
    """How to train: loss, optimiser, schedule, batches, regularisation, stopping rules.

    ``batch_size=None`` (or ≥ N) trains full-batch; otherwise rows are reshuffled every epoch
    and the last, smaller batch is kept. ``dropout`` is one rate for every hidden layer or one
    per hidden layer. ``l2``/``l1`` add ``(l2/2)·Σ‖W‖² + l1·Σ|W|`` over weights (not biases) to
    the loss being minimised. ``patience`` turns on early stopping: training stops after that
    many epochs without the monitored loss (test loss if a test set is given, else train loss)
    falling by more than ``min_delta``, and the best weights are restored. Both are measured in
    evaluation mode on the weights each epoch starts with (without a test set, that costs one
    more forward pass per epoch with mini-batches, dropout or DropConnect). A loss that becomes
    non-finite, or grows past ``divergence_factor`` × max(first loss, 1), stops the run as
    diverged. ``seed`` (a whole number ≥ 0) seeds the generator for shuffling and dropout masks.
    Wrong settings, of any type, raise ``ValueError`` (see :mod:`nncore.validation`).

    Two settings reproduce the seed posts' own rules (see :mod:`nncore.textbook`):
    ``gradient_loss`` names the loss whose gradient the steps descend when it is not ``loss``
    (``loss`` is still the one recorded); ``dropconnect_rule="post"`` drops weights as seed post
    001 does (exactly floor(p · size) of each weight block, no rescaling, the backward pass
    through the unmasked weights) instead of standard DropConnect.
    """

    loss: str = "mse"
    epochs: int = 100
    learning_rate: float = 0.01
    optimizer: str = "sgd"
    momentum: float = 0.9
    rho: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    schedule: str = "constant"
    lr_gamma: float = 0.5
    lr_step: int = 100
    lr_decay: float = 0.01
    batch_size: int | None = None
    dropout: float | tuple[float, ...] = 0.0
    dropconnect: float = 0.0
    l2: float = 0.0
    l1: float = 0.0
    seed: int = 0
    patience: int | None = None
    min_delta: float = 0.0
    divergence_factor: float = 1e6
    gradient_loss: str | None = None
    dropconnect_rule: str = "standard"

    def __post_init__(self):
        rates = as_sequence(self.dropout)
        if rates is not None:                      # a list or an array of rates: stored as a tuple
            object.__setattr__(self, "dropout", rates)
        for problem in _problems(self):
            raise ValueError(problem)

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some settings changed."""
        return TrainConfig(**{**asdict(self), **changes})

    def to_dict(self) -> dict:
        """Plain, JSON-ready data."""
        data = asdict(self)
        if isinstance(data["dropout"], tuple):
            data["dropout"] = list(data["dropout"])
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


_REAL_FIELDS = ("learning_rate", "momentum", "rho", "beta1", "beta2", "eps", "lr_gamma",
                "lr_decay", "dropconnect", "l2", "l1", "min_delta", "divergence_factor")


DROPCONNECT_RULES = {
    "standard": "each weight dropped with probability p, the kept ones scaled by 1/(1 − p)",
    "post": "seed post 001's: exactly floor(p · size) weights dropped, no rescaling, the "
            "backward pass through the unmasked weights",
}
"""DropConnect's rules: name → what it does."""


def _problems(c: TrainConfig):
    for name in _REAL_FIELDS:
        value = getattr(c, name)
        if not is_real(value) or not math.isfinite(value):
            yield f"{name} must be a finite number, not {value!r}."
            return
    rates = c.dropout if isinstance(c.dropout, tuple) else (c.dropout,)
    if not all(is_real(p) for p in rates):
        yield (f"The dropout rate must be a number, or one number per hidden layer, "
               f"not {c.dropout!r}.")
        return
    for name, value, choices in (("loss", c.loss, sorted(LOSSES)),
                                 ("optimiser", c.optimizer, sorted(OPTIMIZERS)),
                                 ("schedule", c.schedule, list(SCHEDULES))):
        if not (isinstance(value, str) and value in choices):
            yield f"Unknown {name} {value!r}; choose one of {choices}."
    if c.gradient_loss is not None and not (isinstance(c.gradient_loss, str)
                                            and c.gradient_loss in LOSSES):
        yield (f"Unknown gradient_loss {c.gradient_loss!r}; choose one of {sorted(LOSSES)}, or "
               f"None to descend the loss itself.")
    if not (isinstance(c.dropconnect_rule, str) and c.dropconnect_rule in DROPCONNECT_RULES):
        yield (f"Unknown DropConnect rule {c.dropconnect_rule!r}; choose one of "
               f"{list(DROPCONNECT_RULES)}.")
    if seed_problem(c.seed):
        yield seed_problem(c.seed)
    if not (is_whole(c.epochs) and 0 <= c.epochs <= MAX_EPOCHS):
        yield (f"The number of epochs must be a whole number from 0 to {MAX_EPOCHS:,}, "
               f"not {c.epochs!r}.")
    if not c.learning_rate > 0:
        yield f"The learning rate must be a positive number, not {c.learning_rate!r}."
    if c.batch_size is not None and not (is_whole(c.batch_size) and c.batch_size >= 1):
        yield f"The batch size must be a whole number ≥ 1, not {c.batch_size!r}."
    for name, p in [("dropout", r) for r in rates] + [("DropConnect", c.dropconnect)]:
        if not 0.0 <= p < 1.0:
            yield f"The {name} rate must be at least 0 and below 1, not {p!r}."
        elif round(p * MASK_LEVELS) == MASK_LEVELS:
            yield (f"The {name} rate {p!r} is too close to 1: masks compare 16-bit random numbers, "
                   f"so the largest rate is {MASK_LEVELS - 1}/{MASK_LEVELS} ≈ 0.99998.")
    if c.l1 < 0 or c.l2 < 0:
        yield "The L1 and L2 penalties must not be negative."
    if not (0.0 <= c.momentum < 1.0 and 0.0 <= c.rho < 1.0
            and 0.0 <= c.beta1 < 1.0 and 0.0 <= c.beta2 < 1.0):
        yield "Momentum, rho, beta1 and beta2 must be at least 0 and below 1."
    if c.eps <= 0:
        yield "eps must be positive."
    if not (is_whole(c.lr_step) and c.lr_step >= 1):
        yield (f"lr_step (the step schedule's period) must be a whole number of epochs ≥ 1, "
               f"not {c.lr_step!r}.")
    if c.lr_gamma <= 0 or c.lr_decay < 0:
        yield "lr_gamma must be positive and lr_decay not negative."
    if c.patience is not None and not (is_whole(c.patience) and c.patience >= 1):
        yield f"Patience must be a whole number of epochs ≥ 1, or None, not {c.patience!r}."
    if c.min_delta < 0:
        yield "min_delta must not be negative."
    if c.divergence_factor <= 1:
        yield "divergence_factor must be greater than 1."
