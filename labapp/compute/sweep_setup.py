"""A sweep page's sweep as the engine runs it: its data, its space and the run itself.

The network is the classroom one (:func:`nncore.presets.classroom_sweep`): 2 → h → 1, ReLU
hidden units, a sigmoid output, binary cross-entropy, He initialisation, full batch. A setting
that is not swept keeps its value in :data:`BASE`. The line: settings → :func:`data_settings` →
prepared data (:mod:`labapp.compute.prepare`) → :func:`space` → its cost
(:mod:`labapp.compute.sweep_cost`) → :func:`run_sweep_on`.

A random search is decided here, once: :func:`space` returns a :class:`SampledSpace`, the
engine's space whose runs are the configurations drawn (:meth:`nncore.SweepSpace.sample`), so
the cost, the server's refusal and the run all count the drawn runs, not the grid.
"""
from __future__ import annotations

from dataclasses import dataclass

import nncore
from nncore.sweep_results import SweepResult
from nncore.sweep_work import MEMORY_BUDGET

from ..server.memory import WORKING
from ..settings.page_settings import DataSettings, SweepSettings
from .prepare import Prepared

__all__ = ["BASE", "CURVE_POINTS", "DRAW_SEED", "SampledSpace", "data_settings", "space",
           "drawn_configs", "continuous_axes", "run_sweep_on"]

#: Values of the settings a sweep does not vary (the classroom sweep's).
BASE = {"learning_rate": 0.1, "hidden_width": 4, "n_layers": 1, "dropout": 0.0, "l2": 0.0,
        "batch_size": 0}
#: Points kept of each run's loss curves.
CURVE_POINTS = 60
_TEST_SHARE = 0.25
#: The seed of a random search's draw: the same settings always draw the same configurations.
DRAW_SEED = 0


@dataclass(frozen=True)
class SampledSpace(nncore.SweepSpace):
    """A random search: the engine's space whose runs are ``configs`` (drawn from it), times
    the seeds, unless other configurations are given."""

    configs: tuple = ()

    def runs(self, configs=None):
        return super().runs(list(self.configs) if configs is None else configs)


def data_settings(sweep: SweepSettings) -> DataSettings:
    """The data of a sweep, as the data pipeline knows it (a quarter of the rows held out)."""
    return DataSettings(dataset=sweep.dataset, n_samples=sweep.n_samples, noise=sweep.noise,
                        test_ratio=_TEST_SHARE)


def space(sweep: SweepSettings, n_inputs: int) -> nncore.SweepSpace:
    """The engine's sweep space: the classroom network, the unswept settings at :data:`BASE`."""
    fixed = {k: v for k, v in BASE.items() if k not in sweep.axis_values()}
    config = nncore.TrainConfig(loss="bce", epochs=sweep.epochs,
                                learning_rate=fixed.get("learning_rate", BASE["learning_rate"]),
                                dropout=fixed.get("dropout", 0.0), l2=fixed.get("l2", 0.0))
    hidden = [BASE["hidden_width"]] * BASE["n_layers"]
    base = nncore.RunSpec(sizes=(n_inputs, *hidden, 1), activation="relu", output="sigmoid",
                          init="he", config=config)
    grid = nncore.SweepSpace(base, sweep.axis_values(), seeds=range(sweep.seeds))
    if sweep.search != "random":
        return grid
    return SampledSpace(base, grid.axes, grid.seeds, configs=drawn_configs(grid, sweep.budget))


def continuous_axes(sweep: SweepSettings) -> tuple[str, ...]:
    """The axes whose values a random search draws from a range rather than from a list (the
    learning rate, given two or more values): their configurations form no grid."""
    rates = sweep.axis_values().get("learning_rate", ())
    return ("learning_rate",) if sweep.search == "random" and len(rates) > 1 else ()


def drawn_configs(grid: nncore.SweepSpace, budget: int) -> tuple[dict, ...]:
    """``budget`` configurations drawn from ``grid`` (:meth:`nncore.SweepSpace.sample`), a drawn
    learning rate rounded to three significant digits so that labels stay readable; a draw
    that rounds onto an earlier one is left out (it would be the same runs twice)."""
    drawn: dict[tuple, dict] = {}
    for config in grid.sample(budget, seed=DRAW_SEED):
        if "learning_rate" in config:
            config = {**config, "learning_rate": float(f"{config['learning_rate']:.3g}")}
        drawn.setdefault(tuple(config.values()), config)
    return tuple(drawn.values())



def run_sweep_on(prepared: Prepared, the_space: nncore.SweepSpace, progress=None,
                 cancel=None, executor=None) -> SweepResult:
    """The sweep of ``the_space`` on ``prepared``; ``progress`` and ``cancel`` go to the engine
    (:func:`nncore.run_sweep`). With ``executor`` (the server's worker pool, which holds its
    own memory reservation) the chunks run there; without, in this process, with one chunk's
    arrays reserved on the server at a time."""
    T_train, T_test = prepared.targets(1)
    options = {"progress": progress, "cancel": cancel, "curve_points": CURVE_POINTS,
               "memory_budget": MEMORY_BUDGET}
    data = (the_space, prepared.X_train, T_train, prepared.X_test, T_test)
    if executor is not None:
        return nncore.run_sweep(*data, executor=executor, **options)
    with WORKING.reserve(MEMORY_BUDGET):
        return nncore.run_sweep(*data, workers=1, **options)
