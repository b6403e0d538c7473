"""Every setting of the lab's pages, as four small frozen dataclasses: the data, the network
and its training, a sweep, and the split experiments.

Each field carries, in its metadata, its URL key (also the name of its widget and what teacher
mode's ``hide=``/``lock=`` lists refer to), a plain label, and its :mod:`labapp.settings.kinds`
kind with range and default. :func:`checked` clamps a whole settings object to those ranges and
makes its parts agree, returning notes that say what changed; every path into the engine
(widgets, links, presets) goes through it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from nncore.activations import HIDDEN, OUTPUTS
from nncore.config import DROPCONNECT_RULES
from nncore.initializers import INITIALIZERS
from nncore.losses import LOSSES
from nncore.optimizers import OPTIMIZERS
from nncore.preprocessing import SCALERS
from nncore.schedules import SCHEDULES
from nncore.synthetic import ENGINEERED_FEATURES

from ..server.limits import (MAX_EPOCHS, MAX_EXPERIMENT_EPOCHS, MAX_EXPERIMENT_SAMPLES,
                             MAX_HIDDEN_LAYERS, MAX_LEARNING_RATE, MAX_SAMPLES, MAX_SEED,
                             MAX_SWEEP_SEEDS, MAX_SWEEP_VALUES, MAX_WIDTH, MIN_LEARNING_RATE,
                             MIN_SAMPLES)
from .dataset_names import DATASETS, EXPERIMENT_SETS
from .kinds import Choice, ChoiceList, Flag, Kind, Real, RealList, Text, Whole, WholeList

__all__ = ["DataSettings", "TrainSettings", "SweepSettings", "SplitSettings", "SETTINGS_CLASSES",
           "Setting", "setting", "settings_fields", "checked", "CSV_TASKS", "MAX_BATCH",
           "SWEEP_AXES", "AXIS_LABELS", "SAME_LOSS", "AUTO_LOSS", "SEARCHES", "MAX_SWEEP_BUDGET"]

CSV_TASKS = ("auto", "regression", "classification")
#: ``TrainSettings.gradient_loss`` when the steps follow the gradient of the loss itself.
SAME_LOSS = "same"
#: ``TrainSettings.loss`` when the loss and output activation are the usual ones for the data:
#: bce and sigmoid for two classes, ce and softmax for more, mse and identity for regression.
AUTO_LOSS = "auto"
MAX_BATCH = 100_000


@dataclass(frozen=True)
class Setting:
    """What a field's metadata says about it: URL key, label and kind of value."""

    key: str
    label: str
    kind: Kind


def setting(key: str, label: str, kind: Kind):
    """A dataclass field whose default is the kind's default, described by a :class:`Setting`."""
    return field(default=kind.default, metadata={"setting": Setting(key, label, kind)})


@dataclass(frozen=True)
class DataSettings:
    """Which data, how it is generated, scaled and split. ``upload`` (not in the URL) is the
    SHA-256 of the uploaded file when ``dataset`` is ``"upload"``."""

    dataset: str = setting("data", "dataset", Choice(DATASETS, "circle"))
    n_samples: int = setting("n", "number of samples", Whole(MIN_SAMPLES, MAX_SAMPLES, 200))
    noise: float = setting("noise", "noise", Real(0.0, 1.0, 0.1))
    n_classes: int = setting("classes", "number of classes", Whole(2, 6, 3))
    features: tuple[str, ...] = setting("features", "features",
                                        ChoiceList(ENGINEERED_FEATURES, 7, ("x1", "x2")))
    data_seed: int = setting("data_seed", "data seed", Whole(0, MAX_SEED, 0))
    scaler: str = setting("scaler", "scaler", Choice(tuple(SCALERS), "standard"))
    scale_target: bool = setting("scale_target", "target scaling", Flag(True))
    test_ratio: float = setting("test", "test share", Real(0.05, 0.95, 0.25))
    csv_target: str = setting("target", "target column", Text(100))
    csv_task: str = setting("task", "task", Choice(CSV_TASKS, "auto"))
    csv_missing: str = setting("missing", "missing-value rule", Choice(("drop", "impute"), "drop"))
    csv_categorical: str = setting("categorical", "text-column rule",
                                   Choice(("onehot", "drop"), "onehot"))
    upload: str = ""

    def agreeing(self) -> tuple["DataSettings", list[str]]:
        """These settings with at least one input feature, each once."""
        features, notes = tuple(dict.fromkeys(self.features)), []
        if len(features) < len(self.features):
            notes.append("Each input feature is used once; the repeats are left out.")
        if not features:
            features = ("x1", "x2")
            notes.append("At least one input feature is needed; using x1 and x2.")
        return replace(self, features=features), notes


@dataclass(frozen=True)
class TrainSettings:
    """The network and how it is trained. ``loss`` :data:`AUTO_LOSS` means the usual loss and
    output activation for the data; ``batch_size`` 0 means full batch; ``patience`` 0 means no
    early stopping; ``gradient_loss`` :data:`SAME_LOSS` means the steps follow the gradient of
    ``loss``. The optimisers' constants (``momentum`` for momentum and Nesterov, ``rho`` for
    RMSprop, ``beta1``/``beta2`` for Adam) and the schedule's (``lr_gamma`` for step and
    exponential, ``lr_step`` for step, ``lr_decay`` for inverse time) are kept whatever is
    chosen, and used only by the ones that need them; their defaults are ``TrainConfig``'s.
    ``usual_loss`` (not in the URL) is the loss ``auto`` stands for on the data these settings
    were last fitted to (:func:`labapp.compute.tasks.fit_to_task`), empty before that."""

    hidden: tuple[int, ...] = setting("hidden", "hidden layers",
                                      WholeList(1, MAX_WIDTH, MAX_HIDDEN_LAYERS, (8, 8)))
    activations: tuple[str, ...] = setting("act", "hidden activations",
                                           ChoiceList(HIDDEN, MAX_HIDDEN_LAYERS, ("tanh", "tanh")))
    output: str = setting("out", "output activation", Choice(OUTPUTS, "sigmoid"))
    bias: bool = setting("bias", "bias", Flag(True))
    loss: str = setting("loss", "loss", Choice((AUTO_LOSS, *LOSSES), AUTO_LOSS))
    gradient_loss: str = setting("grad_loss", "loss whose gradient the steps follow",
                                 Choice((SAME_LOSS, *LOSSES), SAME_LOSS))
    init: str = setting("init", "initialiser", Choice(tuple(INITIALIZERS), "glorot"))
    optimizer: str = setting("opt", "optimiser", Choice(tuple(OPTIMIZERS), "adam"))
    momentum: float = setting("momentum", "momentum μ", Real(0.0, 0.99, 0.9))
    rho: float = setting("rho", "RMSprop's ρ", Real(0.0, 0.999, 0.9))
    beta1: float = setting("beta1", "Adam's β₁", Real(0.0, 0.999, 0.9))
    beta2: float = setting("beta2", "Adam's β₂", Real(0.0, 0.9999, 0.999))
    learning_rate: float = setting("lr", "learning rate",
                                   Real(MIN_LEARNING_RATE, MAX_LEARNING_RATE, 0.03))
    schedule: str = setting("schedule", "learning-rate schedule", Choice(SCHEDULES, "constant"))
    lr_gamma: float = setting("lr_gamma", "schedule factor γ", Real(0.01, 1.0, 0.5))
    lr_step: int = setting("lr_step", "epochs between the step schedule's cuts",
                           Whole(1, MAX_EPOCHS, 100))
    lr_decay: float = setting("lr_decay", "inverse-time decay", Real(0.0, 1.0, 0.01))
    epochs: int = setting("epochs", "number of epochs", Whole(1, MAX_EPOCHS, 300))
    batch_size: int = setting("batch", "batch size", Whole(0, MAX_BATCH, 0))
    patience: int = setting("patience", "early-stopping patience", Whole(0, MAX_EPOCHS, 0))
    min_delta: float = setting("min_delta", "smallest improvement early stopping counts",
                               Real(0.0, 1.0, 0.0))
    dropout: float = setting("dropout", "dropout rate", Real(0.0, 0.9, 0.0))
    dropconnect: float = setting("dropconnect", "DropConnect rate", Real(0.0, 0.9, 0.0))
    dropconnect_rule: str = setting("dc_rule", "DropConnect rule",
                                    Choice(tuple(DROPCONNECT_RULES), "standard"))
    l2: float = setting("l2", "L2 penalty", Real(0.0, 1.0, 0.0))
    l1: float = setting("l1", "L1 penalty", Real(0.0, 1.0, 0.0))
    seed: int = setting("seed", "seed", Whole(0, MAX_SEED, 0))
    usual_loss: str = ""

    def agreeing(self) -> tuple["TrainSettings", list[str]]:
        """These settings with one activation per hidden layer."""
        wanted, given = len(self.hidden), self.activations
        if len(given) == wanted:
            return self, []
        filler = given[-1] if given else "relu"
        fixed = (given + (filler,) * wanted)[:wanted]
        return replace(self, activations=fixed), \
            [f"The link gave {len(given)} activations for {wanted} hidden layers; using "
             f"{', '.join(fixed) or 'none'}."]


#: What a sweep may vary: URL name → (the engine's axis, the field holding its values).
SWEEP_AXES = {"lr": ("learning_rate", "learning_rates"), "width": ("hidden_width", "widths"),
              "dropout": ("dropout", "dropouts"), "l2": ("l2", "l2s"),
              "batch": ("batch_size", "batches"), "depth": ("n_layers", "depths")}
#: The engine's sweep axes as a sentence names them.
AXIS_LABELS = {"learning_rate": "learning rate", "hidden_width": "hidden units",
               "n_layers": "hidden layers", "dropout": "dropout", "l2": "L2 penalty",
               "batch_size": "batch size"}


#: How a sweep picks its configurations: every combination, or a random sample of them.
SEARCHES = ("grid", "random")
#: The most configurations a random search may draw (the grid's most is 8 × 8 × 8).
MAX_SWEEP_BUDGET = 200


def _tidy(values: tuple) -> tuple:
    return tuple(sorted(set(values)))


@dataclass(frozen=True)
class SweepSettings:
    """A sweep: its data (a two-class synthetic set), one to three axes and their values, the
    seeds per configuration and the epochs per run. ``search`` ``"grid"`` trains every
    combination of the values; ``"random"`` draws ``budget`` configurations (the learning rate
    log-uniformly between its smallest and largest value). Settings that are not swept keep the
    classroom values (see :mod:`labapp.compute.sweep_setup`)."""

    dataset: str = setting("sw_data", "sweep dataset", Choice(EXPERIMENT_SETS, "moons"))
    n_samples: int = setting("sw_n", "sweep samples",
                             Whole(50, MAX_EXPERIMENT_SAMPLES, 200))
    noise: float = setting("sw_noise", "sweep noise", Real(0.0, 1.0, 0.2))
    axes: tuple[str, ...] = setting("sw_axes", "sweep axes",
                                    ChoiceList(tuple(SWEEP_AXES), 3, ("lr", "width", "dropout")))
    learning_rates: tuple[float, ...] = setting(
        "sw_lr", "swept learning rates",
        RealList(1e-4, MAX_LEARNING_RATE, MAX_SWEEP_VALUES,
                 (0.01, 0.0251, 0.0631, 0.158, 0.398, 1.0)))
    widths: tuple[int, ...] = setting("sw_width", "swept hidden units",
                                      WholeList(1, 64, MAX_SWEEP_VALUES, (2, 4, 8)))
    dropouts: tuple[float, ...] = setting("sw_dropout", "swept dropout rates",
                                          RealList(0.0, 0.9, MAX_SWEEP_VALUES, (0.0, 0.2)))
    l2s: tuple[float, ...] = setting("sw_l2", "swept L2 penalties",
                                     RealList(0.0, 1.0, MAX_SWEEP_VALUES, (0.0, 0.001, 0.01)))
    batches: tuple[int, ...] = setting("sw_batch", "swept batch sizes",
                                       WholeList(0, 1000, MAX_SWEEP_VALUES, (0, 16, 64)))
    depths: tuple[int, ...] = setting("sw_depth", "swept depths", WholeList(1, 4, 4, (1, 2, 3)))
    seeds: int = setting("sw_seeds", "number of seeds", Whole(1, MAX_SWEEP_SEEDS, 5))
    epochs: int = setting("sw_epochs", "sweep epochs", Whole(10, 2000, 300))
    search: str = setting("sw_search", "sweep search", Choice(SEARCHES, "grid"))
    budget: int = setting("sw_budget", "random-search budget",
                          Whole(2, MAX_SWEEP_BUDGET, 20))

    def agreeing(self) -> tuple["SweepSettings", list[str]]:
        """At least one axis, each once; every value list sorted, without repeats, non-empty."""
        notes, changes = [], {}
        axes = tuple(dict.fromkeys(self.axes))
        if not axes:
            axes = ("lr",)
            notes.append("A sweep needs at least one axis; sweeping the learning rate.")
        changes["axes"] = axes
        for name, (_, attribute) in SWEEP_AXES.items():
            values = _tidy(getattr(self, attribute))
            if not values:
                values = type(self)().__getattribute__(attribute)
                if name in axes:
                    notes.append(f"The {name} axis had no values; using the defaults.")
            changes[attribute] = values
        return replace(self, **changes), notes

    def axis_values(self) -> dict[str, tuple]:
        """The engine's axes and their values, in the order chosen."""
        return {SWEEP_AXES[name][0]: getattr(self, SWEEP_AXES[name][1]) for name in self.axes}


@dataclass(frozen=True)
class SplitSettings:
    """The train/test-split experiments: data, network, training length and how many splits."""

    dataset: str = setting("sp_data", "split dataset", Choice(EXPERIMENT_SETS, "moons"))
    n_samples: int = setting("sp_n", "split samples", Whole(50, MAX_EXPERIMENT_SAMPLES, 200))
    noise: float = setting("sp_noise", "split noise", Real(0.0, 1.0, 0.3))
    width: int = setting("sp_width", "hidden units", Whole(1, 64, 16))
    epochs: int = setting("sp_epochs", "split epochs", Whole(10, MAX_EXPERIMENT_EPOCHS, 150))
    repeats: int = setting("sp_repeats", "random splits per ratio", Whole(2, 10, 3))
    folds: int = setting("sp_k", "number of folds", Whole(2, 10, 5))
    small: int = setting("sp_small", "small network's units", Whole(1, 64, 4))
    large: int = setting("sp_large", "large network's units", Whole(2, 128, 64))
    dropout: float = setting("sp_dropout", "dropout rate compared", Real(0.05, 0.9, 0.3))

    def agreeing(self) -> tuple["SplitSettings", list[str]]:
        """The large network larger than the small one."""
        if self.large > self.small:
            return self, []
        large = min(128, self.small * 4)
        small = min(self.small, large - 1)
        return replace(self, small=small, large=large), \
            [f"The large network needs more units than the small one; comparing {small} and "
             f"{large} units."]


#: Every settings class whose fields live in the URL (a new page adds its own here).
SETTINGS_CLASSES = (DataSettings, TrainSettings, SweepSettings, SplitSettings)


def settings_fields(cls) -> list[tuple[str, Setting]]:
    """``(attribute, Setting)`` for every field of ``cls`` that lives in the URL."""
    return [(f.name, f.metadata["setting"]) for f in fields(cls) if "setting" in f.metadata]


def _clamped_fields(settings):
    changes, notes = {}, []
    for name, spec in settings_fields(type(settings)):
        value, note = spec.kind.clamp(getattr(settings, name), spec.label)
        changes[name] = value
        notes += [note] if note else []
    return replace(settings, **changes), notes


def checked(settings):
    """``(settings, notes)``: every value clamped to its range and the parts made to agree."""
    settings, notes = _clamped_fields(settings)
    settings, more = settings.agreeing()
    return settings, notes + more
