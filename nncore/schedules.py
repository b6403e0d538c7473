"""Learning-rate schedules: the rate used in epoch ``e`` (0-based), from the initial rate η₀.

==================  =====================================
``constant``        η₀
``step``            η₀ · γ^⌊e / step_size⌋
``exponential``     η₀ · γ^e
``inverse_time``    η₀ / (1 + decay · e)
==================  =====================================
"""
from __future__ import annotations

import numpy as np

__all__ = ["SCHEDULES", "learning_rates"]

SCHEDULES = ("constant", "step", "exponential", "inverse_time")


def learning_rates(config, epochs: int) -> np.ndarray:
    """The learning rate of every epoch, ``(epochs,)``, for a :class:`~nncore.TrainConfig`."""
    e = np.arange(epochs, dtype=np.float64)
    lr0 = config.learning_rate
    if config.schedule == "constant":
        return np.full(epochs, lr0)
    if config.schedule == "step":
        return lr0 * config.lr_gamma ** np.floor(e / config.lr_step)
    if config.schedule == "exponential":
        return lr0 * config.lr_gamma ** e
    if config.schedule == "inverse_time":
        return lr0 / (1.0 + config.lr_decay * e)
    raise ValueError(f"Unknown schedule {config.schedule!r}; choose one of {list(SCHEDULES)}.")
