"""One training run: from settings and prepared data to a trained network and its report.

:func:`plan` turns the settings into the engine's own objects (``MLP`` keyword arguments and a
``TrainConfig``), applying the server's work cap; :func:`execute` trains and reports.
"""
from __future__ import annotations

from dataclasses import dataclass

from nncore import MLP, Architecture, TrainConfig, TrainResult, train

from .limits import affordable_epochs
from .prepare import Prepared
from .report import Report, build_report
from .settings import DataSettings, TrainSettings
from .tasks import fit_to_task, output_units

__all__ = ["Plan", "Run", "plan", "execute", "PROGRESS_POINTS"]

#: The training callback runs about this many times per run (the live curve's resolution).
PROGRESS_POINTS = 200


@dataclass(frozen=True)
class Plan:
    """What the engine is given: ``network`` (``MLP`` keyword arguments), ``config``, the
    settings they came from, and notes on anything the server's caps changed."""

    train: TrainSettings
    network: dict
    config: TrainConfig
    n_params: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Run:
    """A finished (or stopped) run: its plan, the trained network, the result and the report."""

    data: DataSettings
    plan: Plan
    net: MLP
    result: TrainResult
    report: Report


def _network(prepared: Prepared, train: TrainSettings) -> dict:
    table = prepared.table
    units = output_units(table.task, train.loss, table.n_classes, table.n_targets)
    return {"sizes": [prepared.X_train.shape[1], *train.hidden, units],
            "activation": list(train.activations), "output": train.output,
            "bias": train.bias, "init": train.init, "seed": train.seed}


def _epochs(train: TrainSettings, n_train: int, n_params: int) -> tuple[int, list[str]]:
    epochs = affordable_epochs(train.epochs, n_train, n_params, train.batch_size)
    if epochs == train.epochs:
        return epochs, []
    return epochs, [f"{train.epochs:,} epochs of this network on {n_train:,} rows is more "
                    f"work than one run may take on the shared server, so it trains for "
                    f"{epochs:,} epochs."]


def plan(prepared: Prepared, train: TrainSettings) -> Plan:
    """The engine's settings for ``train`` on ``prepared`` (see the module docstring)."""
    table = prepared.table
    train, notes = fit_to_task(train, table.task, table.n_classes, table.title)
    network = _network(prepared, train)
    n_params = Architecture.build(network["sizes"], network["activation"], network["output"],
                                  network["bias"]).n_params
    n_train = len(prepared.X_train)
    epochs, more = _epochs(train, n_train, n_params)
    batch = train.batch_size if 0 < train.batch_size < n_train else None
    config = TrainConfig(loss=train.loss, epochs=epochs, learning_rate=train.learning_rate,
                         optimizer=train.optimizer, batch_size=batch, dropout=train.dropout,
                         dropconnect=train.dropconnect, l2=train.l2, seed=train.seed)
    return Plan(train, network, config, n_params, tuple(notes + more))


def execute(prepared: Prepared, data: DataSettings, train_settings: TrainSettings,
            callback=None) -> Run:
    """Train a new network as planned; ``callback`` receives :class:`nncore.Progress`."""
    the_plan = plan(prepared, train_settings)
    net = MLP(**the_plan.network)
    T_train, T_test = prepared.targets(the_plan.network["sizes"][-1])
    test = {"X_test": prepared.X_test, "T_test": T_test} if prepared.has_test else {}
    every = max(1, the_plan.config.epochs // PROGRESS_POINTS)
    result = train(net, prepared.X_train, T_train, the_plan.config, callback=callback,
                   callback_every=every, **test)
    return Run(data, the_plan, net, result, build_report(net, prepared))
