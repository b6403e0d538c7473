"""What a sweep varies: a grid (or a random sample) of settings around a base run, times seeds.

>>> import nncore
>>> base = nncore.RunSpec(sizes=(3, 8, 1), config=nncore.TrainConfig(epochs=100))
>>> space = nncore.SweepSpace(base, {"learning_rate": nncore.log_space(1e-3, 1e-1, 3),
...                                  "hidden_width": (4, 16)}, seeds=(0, 1))
>>> len(space.grid()), len(space.runs())
(6, 12)
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

import numpy as np

from .stacked import RunSpec

__all__ = ["AXES", "SweepSpace", "log_space", "apply_settings"]

AXES = ("learning_rate", "hidden_width", "n_layers", "dropout", "l2", "batch_size",
        "optimizer", "epochs")
"""The settings a sweep may vary."""

_CONFIG_AXES = ("learning_rate", "dropout", "l2", "batch_size", "optimizer", "epochs")


def log_space(low: float, high: float, count: int) -> tuple[float, ...]:
    """``count`` learning rates evenly spaced on a log scale from ``low`` to ``high``."""
    return tuple(float(v) for v in np.geomspace(low, high, count))


def apply_settings(base: RunSpec, settings: dict) -> RunSpec:
    """``base`` with the sweep settings of one configuration applied.

    ``hidden_width`` gives every hidden layer that width; ``n_layers`` sets how many hidden
    layers there are (with ``n_layers = 0`` the width has nothing to apply to). A per-layer
    activation, bias or dropout of the base carries over when the number of layers changes only
    if it is the same for every layer."""
    unknown = set(settings) - set(AXES) - {"seed"}
    if unknown:
        raise ValueError(f"Unknown sweep setting(s) {sorted(unknown)}; choose from {list(AXES)}.")
    hidden = list(base.sizes[1:-1])
    depth = int(settings.get("n_layers", len(hidden)))
    if "hidden_width" in settings and "n_layers" not in settings and not hidden:
        raise ValueError("A hidden_width axis needs hidden layers: give the base network at least "
                         "one, or sweep n_layers too.")
    width = int(settings.get("hidden_width", hidden[0] if hidden else 8))
    sizes = base.sizes
    if "hidden_width" in settings or "n_layers" in settings:
        sizes = (base.sizes[0], *([width] * depth), base.sizes[-1])
    changes = {k: settings[k] for k in _CONFIG_AXES if k in settings}
    if "seed" in settings:
        changes["seed"] = int(settings["seed"])
    if "batch_size" in changes and changes["batch_size"] in (0, None):
        changes["batch_size"] = None
    layers = {}
    if depth != len(hidden):
        layers = {"activation": _for_depth(base.activation, depth, "activation"),
                  "bias": _for_depth(base.bias, depth + 1, "bias")}
        if "dropout" not in changes:
            changes["dropout"] = _for_depth(base.config.dropout, depth, "dropout rate")
    return replace(base, sizes=tuple(sizes), config=base.config.replace(**changes), **layers)


def _for_depth(value, layers: int, what: str):
    """A per-layer setting for a network of ``layers`` layers: one value for all layers stays as
    it is; a tuple carries over when its length fits or all its entries agree."""
    value = tuple(value) if isinstance(value, list) else value
    if not isinstance(value, tuple) or len(value) == layers:
        return value
    if not value:
        raise ValueError(f"The base network gives no {what} to repeat for {layers} layers: give "
                         f"one {what} for all layers.")
    if len(set(value)) == 1:
        return value[0]
    raise ValueError(f"The base network has a different {what} per layer ({list(value)}), so an "
                     f"n_layers axis cannot tell which to use for other depths: give one {what} "
                     f"for all layers.")


@dataclass(frozen=True)
class SweepSpace:
    """A base run, the axes to vary (name → values, in order; a repeated value counts once) and
    the seeds of every config.

    ``grid()`` is every combination of the axes' values; ``sample(budget, seed)`` is a random
    search over the same space: ``budget`` different configurations, each axis drawn
    independently (the learning rate log-uniformly between its smallest and largest value, other
    axes from their listed values); without a learning-rate range, a random part of the grid.
    """

    base: RunSpec
    axes: dict
    seeds: tuple[int, ...] = (0,)

    def __post_init__(self):
        object.__setattr__(self, "axes", {k: tuple(dict.fromkeys(v))       # repeats count once
                                          for k, v in dict(self.axes).items()})
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        for name, values in self.axes.items():
            if name not in AXES:
                raise ValueError(f"Unknown sweep axis {name!r}; choose from {list(AXES)}.")
            if not values:
                raise ValueError(f"The sweep axis {name!r} has no values.")
        if not self.seeds:
            raise ValueError("A sweep needs at least one seed.")

    def grid(self) -> list[dict]:
        """Every configuration, as ``{axis: value}``."""
        names = list(self.axes)
        return [dict(zip(names, combo)) for combo in itertools.product(*self.axes.values())]

    def sample(self, budget: int, seed: int = 0) -> list[dict]:
        """``budget`` different random configurations from the same space.

        With a learning-rate range every draw is new. When every axis is a list of values, the
        configurations are drawn from the grid without replacement (all of it, in random order,
        when ``budget`` is larger): a configuration drawn twice would be the same seeded runs
        trained twice, and would count as extra seeds in the aggregate. The grid is never built:
        the picks are numbered combinations, so a huge space costs nothing to sample."""
        rng = np.random.default_rng(seed)
        if not self._has_range():
            names, lists = list(self.axes), list(self.axes.values())
            shape = [len(values) for values in lists]
            size = math.prod(shape)
            picks = rng.choice(size, size=min(int(budget), size), replace=False)
            combos = np.unravel_index(picks, shape)
            return [{name: values[int(i[k])] for name, values, i in zip(names, lists, combos)}
                    for k in range(len(picks))]
        configs = []
        for _ in range(int(budget)):
            config = {}
            for name, values in self.axes.items():
                if name == "learning_rate":
                    low, high = np.log(min(values)), np.log(max(values))
                    config[name] = float(np.exp(rng.uniform(low, high)))
                else:
                    config[name] = values[int(rng.integers(len(values)))]
            configs.append(config)
        return configs

    def _has_range(self) -> bool:
        """Whether random search draws the learning rate from a range (a continuous axis)."""
        return len(self.axes.get("learning_rate", ())) > 1       # values are distinct already

    def runs(self, configs: list[dict] | None = None) -> list[tuple[dict, RunSpec]]:
        """``(settings, RunSpec)`` for every configuration (the grid by default) × seed."""
        configs = self.grid() if configs is None else configs
        return [({**c, "seed": s}, apply_settings(self.base, {**c, "seed": s}))
                for c in configs for s in self.seeds]
