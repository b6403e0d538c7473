"""Every setting of the data and train pages, as two small frozen dataclasses.

Each field carries, in its metadata, its URL key (also the name of its widget and what teacher
mode's ``hide=``/``lock=`` lists refer to), a plain label, and its :mod:`labapp.fields` kind
with range and default. :func:`checked` clamps a whole settings object to those ranges and
makes its parts agree, returning notes that say what changed; every path into the engine
(widgets, links, presets) goes through it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from nncore.activations import HIDDEN, OUTPUTS
from nncore.initializers import INITIALIZERS
from nncore.losses import LOSSES
from nncore.optimizers import OPTIMIZERS
from nncore.preprocessing import SCALERS
from nncore.synthetic import ENGINEERED_FEATURES

from .data import BUILTIN_NAMES, SYNTHETIC_SETS
from .fields import Choice, ChoiceList, Flag, Kind, Real, Text, Whole, WholeList
from .limits import (MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_LEARNING_RATE, MAX_SAMPLES, MAX_SEED,
                     MAX_WIDTH, MIN_LEARNING_RATE, MIN_SAMPLES)

__all__ = ["DataSettings", "TrainSettings", "SETTINGS_CLASSES", "Setting", "setting",
           "settings_fields", "checked",
           "PRESET_SETS", "UPLOAD", "DATASETS", "CSV_TASKS", "MAX_BATCH"]

#: The seed posts' own data, exactly as the presets build it (see :mod:`nncore.presets`).
PRESET_SETS = ("seed_001", "seed_002", "seed_003")
UPLOAD = "upload"
DATASETS = (*SYNTHETIC_SETS, *(n for n in BUILTIN_NAMES if n not in SYNTHETIC_SETS),
            *PRESET_SETS, UPLOAD)
CSV_TASKS = ("auto", "regression", "classification")
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
        """These settings with at least one input feature."""
        if self.features:
            return self, []
        return replace(self, features=("x1", "x2")), \
            ["At least one input feature is needed; using x1 and x2."]


@dataclass(frozen=True)
class TrainSettings:
    """The network and how it is trained. ``batch_size`` 0 means full batch."""

    hidden: tuple[int, ...] = setting("hidden", "hidden layers",
                                      WholeList(1, MAX_WIDTH, MAX_HIDDEN_LAYERS, (8, 8)))
    activations: tuple[str, ...] = setting("act", "hidden activations",
                                           ChoiceList(HIDDEN, MAX_HIDDEN_LAYERS, ("tanh", "tanh")))
    output: str = setting("out", "output activation", Choice(OUTPUTS, "sigmoid"))
    bias: bool = setting("bias", "bias", Flag(True))
    loss: str = setting("loss", "loss", Choice(tuple(LOSSES), "bce"))
    init: str = setting("init", "initialiser", Choice(tuple(INITIALIZERS), "glorot"))
    optimizer: str = setting("opt", "optimiser", Choice(tuple(OPTIMIZERS), "adam"))
    learning_rate: float = setting("lr", "learning rate",
                                   Real(MIN_LEARNING_RATE, MAX_LEARNING_RATE, 0.03))
    epochs: int = setting("epochs", "number of epochs", Whole(1, MAX_EPOCHS, 300))
    batch_size: int = setting("batch", "batch size", Whole(0, MAX_BATCH, 0))
    dropout: float = setting("dropout", "dropout rate", Real(0.0, 0.9, 0.0))
    dropconnect: float = setting("dropconnect", "DropConnect rate", Real(0.0, 0.9, 0.0))
    l2: float = setting("l2", "L2 penalty", Real(0.0, 1.0, 0.0))
    seed: int = setting("seed", "seed", Whole(0, MAX_SEED, 0))

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


#: Every settings class whose fields live in the URL (a new page adds its own here).
SETTINGS_CLASSES = (DataSettings, TrainSettings)


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
