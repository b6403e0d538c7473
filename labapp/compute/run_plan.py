"""The third step of the data line: a run's plan, from the prepared data and the train settings.

:func:`plan` fits the settings to the data's task (:mod:`labapp.compute.tasks`), turns them into
the engine's own objects (``MLP`` keyword arguments and a ``TrainConfig``) and applies the
server's caps before anything is allocated: the epochs are cut so that the run's estimated time
fits :data:`~labapp.server.limits.RUN_SECONDS`, and a run that cannot fit (one epoch too long, or
too much memory) gets a ``problem``, a sentence that refuses it
(:mod:`labapp.compute.run_cost`). The plan also keeps the facts of its data that a finished run
needs, so that nothing after it reads the data's settings again.
"""
from __future__ import annotations

from dataclasses import dataclass

from nncore import Architecture, TrainConfig

from ..server.limits import RUN_MEMORY, RUN_SECONDS
from ..server.memory import megabytes
from ..settings.page_settings import SAME_LOSS, DataSettings, TrainSettings
from .prepare import Prepared
from .run_cost import RunShape, epoch_seconds, report_seconds, run_bytes
from .run_report import GRID_SIZE
from .tasks import fit_to_task, loss_in_use, output_units

__all__ = ["DataFacts", "Plan", "plan", "train_config"]


@dataclass(frozen=True)
class DataFacts:
    """What the views of a planned or finished run need to know about its data, kept with the
    plan so that redrawing a run never reads the data again (the student may have uploaded
    another file)."""

    task: str
    class_names: tuple[str, ...]
    target_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    has_test: bool

    @classmethod
    def of(cls, prepared: Prepared) -> "DataFacts":
        table = prepared.table
        return cls(table.task, table.class_names, table.target_names, table.feature_names,
                   prepared.has_test)


@dataclass(frozen=True)
class Plan:
    """What the engine is given, and what it is given for:

    - ``data``: the settings of the data it trains on; ``facts``: what the views need of it;
    - ``train``: the train settings, fitted to the data's task (``task_notes`` say what changed);
    - ``network`` (``MLP`` keyword arguments), ``config`` and ``n_params``;
    - ``shape``: what the estimates were made for; ``memory``: the run's estimated bytes;
    - ``cap_notes``: what the server's caps changed; ``problem``: the sentence that keeps the
      run from running on the server (None when it may run).
    """

    data: DataSettings
    facts: DataFacts
    train: TrainSettings
    task_notes: tuple[str, ...]
    network: dict
    config: TrainConfig
    n_params: int
    shape: RunShape
    memory: int
    cap_notes: tuple[str, ...]
    problem: str | None

    @property
    def output_units(self) -> int:
        """The network's outputs, the width of its targets."""
        return self.network["sizes"][-1]


def _network(prepared: Prepared, train: TrainSettings) -> dict:
    table = prepared.table
    units = output_units(table.task, loss_in_use(train), table.n_classes, table.n_targets)
    return {"sizes": [prepared.X_train.shape[1], *train.hidden, units],
            "activation": list(train.activations), "output": train.output,
            "bias": train.bias, "init": train.init, "seed": train.seed}


def _shape(prepared: Prepared, train: TrainSettings, sizes: list[int]) -> RunShape:
    n_train = len(prepared.X_train)
    batch = train.batch_size if 0 < train.batch_size < n_train else 0
    grid = GRID_SIZE ** 2 if prepared.table.points is not None else 0
    return RunShape(tuple(sizes), n_train, len(prepared.X_test), batch, train.dropout > 0,
                    train.dropconnect > 0, grid, early_stopping=train.patience > 0)


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


def train_config(train: TrainSettings, epochs: int, batch: int) -> TrainConfig:
    """The engine's settings for a fitted ``train`` (see :func:`~labapp.compute.tasks.fit_to_task`)
    trained ``epochs`` epochs in batches of ``batch`` rows (0: full batch)."""
    return TrainConfig(
        loss=loss_in_use(train), epochs=epochs, learning_rate=train.learning_rate,
        optimizer=train.optimizer, momentum=train.momentum, rho=train.rho, beta1=train.beta1,
        beta2=train.beta2, schedule=train.schedule, lr_gamma=train.lr_gamma,
        lr_step=train.lr_step, lr_decay=train.lr_decay, batch_size=batch or None,
        dropout=train.dropout, dropconnect=train.dropconnect, l2=train.l2, l1=train.l1,
        seed=train.seed, patience=train.patience or None, min_delta=train.min_delta,
        dropconnect_rule=train.dropconnect_rule,
        gradient_loss=None if train.gradient_loss == SAME_LOSS else train.gradient_loss)


def plan(prepared: Prepared, train: TrainSettings) -> Plan:
    """The plan of training ``train`` on ``prepared`` (see the module docstring)."""
    table = prepared.table
    train, task_notes = fit_to_task(train, table.task, table.n_classes, table.title)
    network = _network(prepared, train)
    n_params = Architecture.build(network["sizes"], network["activation"], network["output"],
                                  network["bias"]).n_params
    shape = _shape(prepared, train, network["sizes"])
    epochs, cap_notes, time_problem = _affordable(train, shape)
    memory = run_bytes(shape)
    config = train_config(train, epochs, shape.batch)
    problems = [p for p in (_memory_problem(memory, shape), time_problem) if p is not None]
    return Plan(table.source, DataFacts.of(prepared), train, tuple(task_notes), network, config,
                n_params, shape, memory, tuple(cap_notes), " ".join(problems) or None)
