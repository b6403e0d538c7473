"""A sweep page's sweep as the engine runs it: its data, its space and the run itself.

The network is the classroom one (:func:`nncore.presets.classroom_sweep`): 2 → h → 1, ReLU
hidden units, a sigmoid output, binary cross-entropy, He initialisation, full batch. A setting
that is not swept keeps its value in :data:`BASE`. The line: settings → :func:`data_settings` →
prepared data (:mod:`labapp.compute.prepare`) → :func:`space` → its cost
(:mod:`labapp.compute.sweep_cost`) → :func:`run_sweep_on`.
"""
from __future__ import annotations

import nncore
from nncore.sweep_results import SweepResult
from nncore.sweep_work import MEMORY_BUDGET

from ..server.memory import WORKING
from ..settings.page_settings import DataSettings, SweepSettings
from .prepare import Prepared

__all__ = ["BASE", "CURVE_POINTS", "data_settings", "space", "run_sweep_on"]

#: Values of the settings a sweep does not vary (the classroom sweep's).
BASE = {"learning_rate": 0.1, "hidden_width": 4, "n_layers": 1, "dropout": 0.0, "l2": 0.0,
        "batch_size": 0}
#: Points kept of each run's loss curves.
CURVE_POINTS = 60
_TEST_SHARE = 0.25


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
    return nncore.SweepSpace(base, sweep.axis_values(), seeds=range(sweep.seeds))




def run_sweep_on(prepared: Prepared, the_space: nncore.SweepSpace, progress=None,
                 cancel=None) -> SweepResult:
    """The sweep of ``the_space`` on ``prepared``, in this process, with one chunk's arrays
    reserved on the server at a time; ``progress`` and ``cancel`` go to the engine
    (:func:`nncore.run_sweep`)."""
    T_train, T_test = prepared.targets(1)
    with WORKING.reserve(MEMORY_BUDGET):
        return nncore.run_sweep(the_space, prepared.X_train, T_train, prepared.X_test, T_test,
                                workers=1, progress=progress, cancel=cancel,
                                curve_points=CURVE_POINTS, memory_budget=MEMORY_BUDGET)
