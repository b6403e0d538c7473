"""One training run: from settings and prepared data to a trained network and its report.

:func:`plan` turns the settings into the engine's own objects (``MLP`` keyword arguments and a
``TrainConfig``) and applies the server's caps before anything is allocated: the epochs are cut
so that the run's estimated time fits :data:`~labapp.limits.RUN_SECONDS`, and a run that cannot
fit (one epoch too long, or too much memory) is refused with a sentence (:mod:`labapp.cost`).
:func:`execute` reserves the run's memory on the server, trains and reports.
"""
from __future__ import annotations

from dataclasses import dataclass

from nncore import MLP, Architecture, TrainConfig, TrainResult, train

from .cost import RunShape, epoch_seconds, report_seconds, run_bytes
from .limits import RUN_MEMORY, RUN_SECONDS
from .memory import WORKING, megabytes
from .prepare import Prepared
from .report import GRID_SIZE, Report, build_report
from .settings import DataSettings, TrainSettings
from .tasks import fit_to_task, output_units

__all__ = ["Plan", "Run", "DataFacts", "plan", "execute", "PROGRESS_POINTS"]

#: The training callback runs about this many times per run (the live curve's resolution).
PROGRESS_POINTS = 200


@dataclass(frozen=True)
class Plan:
    """What the engine is given: ``network`` (``MLP`` keyword arguments), ``config``, the
    settings they came from, notes on anything the server's caps changed, the run's estimated
    ``memory`` in bytes, the ``problem`` that keeps it from running on the server (None when it
    may run), and the ``shape`` the estimates were made for."""

    train: TrainSettings
    network: dict
    config: TrainConfig
    n_params: int
    notes: tuple[str, ...]
    memory: int = 0
    problem: str | None = None
    shape: RunShape | None = None


@dataclass(frozen=True)
class DataFacts:
    """What the views of a finished run need to know about its data, kept with the run so that
    redrawing it never reads the data again (the student may have uploaded another file)."""

    task: str
    class_names: tuple[str, ...]
    target_names: tuple[str, ...]
    has_test: bool

    @classmethod
    def of(cls, prepared: Prepared) -> "DataFacts":
        table = prepared.table
        return cls(table.task, table.class_names, table.target_names, prepared.has_test)


@dataclass(frozen=True)
class Run:
    """A finished (or stopped) run: its plan, the trained network, the result, the report and
    the facts of its data."""

    data: DataSettings
    plan: Plan
    net: MLP
    result: TrainResult
    report: Report
    facts: DataFacts


def _network(prepared: Prepared, train: TrainSettings) -> dict:
    table = prepared.table
    units = output_units(table.task, train.loss, table.n_classes, table.n_targets)
    return {"sizes": [prepared.X_train.shape[1], *train.hidden, units],
            "activation": list(train.activations), "output": train.output,
            "bias": train.bias, "init": train.init, "seed": train.seed}


def _shape(prepared: Prepared, train: TrainSettings, sizes: list[int]) -> RunShape:
    n_train = len(prepared.X_train)
    batch = train.batch_size if 0 < train.batch_size < n_train else 0
    grid = GRID_SIZE ** 2 if prepared.table.points is not None else 0
    return RunShape(tuple(sizes), n_train, len(prepared.X_test), batch, train.dropout > 0,
                    train.dropconnect > 0, grid)


def _batches(shape: RunShape) -> str:
    return "" if shape.batch == 0 else f" in batches of {shape.batch:,}"


def _affordable(train: TrainSettings, shape: RunShape) -> tuple[int, list[str], str | None]:
    """``(epochs, notes, problem)``: the epochs that fit the server's time for one run, a note
    if they had to be cut, and a sentence if not even one epoch fits."""
    per_epoch = epoch_seconds(shape)
    fits = int((RUN_SECONDS - report_seconds(shape)) // per_epoch)
    if fits < 1:
        return 1, [], (f"One epoch of this network on {shape.n_train:,} rows{_batches(shape)} "
                       f"would take about {per_epoch:.1f} s, more than the {RUN_SECONDS:g} s one "
                       "run may take on the shared server. Use larger batches, fewer rows or a "
                       "smaller network.")
    if fits >= train.epochs:
        return train.epochs, [], None
    return fits, [f"{train.epochs:,} epochs of this network on {shape.n_train:,} rows"
                  f"{_batches(shape)} would take about {train.epochs * per_epoch:.0f} s, more "
                  f"than one run may take on the shared server, so it trains for {fits:,} "
                  "epochs."], None


def _memory_problem(memory: int, shape: RunShape) -> str | None:
    if memory <= RUN_MEMORY:
        return None
    return (f"Training this network on {shape.n_train + shape.n_test:,} rows needs about "
            f"{megabytes(memory)} of memory, more than the {megabytes(RUN_MEMORY)} one run may "
            "use on the shared server. Use fewer or smaller hidden layers, or fewer rows.")


def plan(prepared: Prepared, train: TrainSettings) -> Plan:
    """The engine's settings for ``train`` on ``prepared`` (see the module docstring)."""
    table = prepared.table
    train, notes = fit_to_task(train, table.task, table.n_classes, table.title)
    network = _network(prepared, train)
    n_params = Architecture.build(network["sizes"], network["activation"], network["output"],
                                  network["bias"]).n_params
    shape = _shape(prepared, train, network["sizes"])
    epochs, more, problem = _affordable(train, shape)
    memory = run_bytes(shape)
    config = TrainConfig(loss=train.loss, epochs=epochs, learning_rate=train.learning_rate,
                         optimizer=train.optimizer, batch_size=shape.batch or None,
                         dropout=train.dropout, dropconnect=train.dropconnect, l2=train.l2,
                         seed=train.seed)
    problems = [p for p in (_memory_problem(memory, shape), problem) if p is not None]
    return Plan(train, network, config, n_params, tuple(notes + more), memory,
                " ".join(problems) or None, shape)


def execute(prepared: Prepared, data: DataSettings, train_settings: TrainSettings,
            callback=None) -> Run:
    """Train a new network as planned; ``callback`` receives :class:`nncore.Progress`. Raises
    ValueError with the plan's problem for a run the server refuses, and
    :class:`~labapp.memory.ServerBusy` when its memory does not come free."""
    the_plan = plan(prepared, train_settings)
    if the_plan.problem is not None:
        raise ValueError(the_plan.problem)
    net = MLP(**the_plan.network)
    T_train, T_test = prepared.targets(the_plan.network["sizes"][-1])
    test = {"X_test": prepared.X_test, "T_test": T_test} if prepared.has_test else {}
    every = max(1, the_plan.config.epochs // PROGRESS_POINTS)
    with WORKING.reserve(the_plan.memory):
        result = train(net, prepared.X_train, T_train, the_plan.config, callback=callback,
                       callback_every=every, **test)
        report = build_report(net, prepared)
    return Run(data, the_plan, net, result, report, DataFacts.of(prepared))
