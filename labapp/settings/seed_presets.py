"""The seed posts' networks (:mod:`nncore.presets`) as lab settings, for the one-click presets.

Each preset uses its post's own data, unscaled and split as the post splits it, so training in
the lab gives exactly what ``nncore.presets.seed_00x().run()`` gives (tested).
"""
from __future__ import annotations

from dataclasses import dataclass

from nncore import presets

from .dataset_names import PRESET_SETS
from .page_settings import SAME_LOSS, DataSettings, TrainSettings, settings_fields
from .url_state import LabState

__all__ = ["PresetCard", "PostReport", "POST_REPORTS", "preset_state", "preset_cards",
           "preset_differences"]


@dataclass(frozen=True)
class PostReport:
    """What a seed post says its network achieved: ``number``, the final error or accuracy it
    states (None: it states none), ``measure``, what such a number would be, and
    ``describes``, what the post shows instead (or of the number)."""

    number: float | None
    measure: str
    describes: str


#: What each seed post (``shared/seeds/00x_*.txt``; 000 is an unfinished draft of 001) reports.
#: None of them states a final number, so the Train page says so beside the preset's run.
POST_REPORTS = {
    "seed_001": PostReport(None, "final error or R²",
                           "only a plot of its training error, ½·Σ(y − t)² over all 506 rows, "
                           "falling over 1000 iterations, which it calls “very volatile”; it "
                           "sets no test rows aside"),
    "seed_002": PostReport(None, "accuracy or loss",
                           "the network as a list of layer dictionaries and its forward and "
                           "backward passes; its text ends before any training result"),
    "seed_003": PostReport(None, "error or accuracy",
                           "only the equations of the forward and backward passes"),
}


@dataclass(frozen=True)
class PresetCard:
    """What the home page shows for a preset."""

    key: str
    title: str
    description: str
    notes: tuple[str, ...]


def _per_layer(value, count: int) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * count


def preset_state(key: str) -> LabState:
    """The lab settings of seed preset ``key`` (``"seed_001"``, ``"seed_002"``, ``"seed_003"``)."""
    preset = presets.PRESETS[key]()
    network, config = preset.network, preset.config
    hidden = tuple(network["sizes"][1:-1])
    train = TrainSettings(
        hidden=hidden, activations=_per_layer(network["activation"], len(hidden)),
        output=network["output"], bias=bool(network["bias"]), loss=config.loss,
        gradient_loss=config.gradient_loss or SAME_LOSS, dropconnect_rule=config.dropconnect_rule,
        init=network["init"], optimizer=config.optimizer, learning_rate=config.learning_rate,
        epochs=config.epochs, batch_size=config.batch_size or 0, dropout=float(config.dropout),
        dropconnect=config.dropconnect, l2=config.l2, seed=network["seed"],
        momentum=config.momentum, rho=config.rho, beta1=config.beta1, beta2=config.beta2,
        schedule=config.schedule, lr_gamma=config.lr_gamma, lr_step=config.lr_step,
        lr_decay=config.lr_decay, l1=config.l1, patience=config.patience or 0,
        min_delta=config.min_delta)
    return LabState(DataSettings(dataset=key, scaler="none", scale_target=False), train)


def preset_cards() -> list[PresetCard]:
    """Title, description and notes of every seed preset."""
    cards = []
    for key in PRESET_SETS:
        preset = presets.PRESETS[key]()
        cards.append(PresetCard(key, preset.title, preset.description, preset.notes))
    return cards


def preset_differences(data: DataSettings, train: TrainSettings, epochs: int) -> list[str] | None:
    """The labels of the settings in which a run (``data``, ``train`` and the ``epochs`` it
    trained for after the server's caps) departs from its seed preset's; None when ``data``
    is no preset's."""
    if data.dataset not in PRESET_SETS:
        return None
    preset = preset_state(data.dataset)
    changed = [spec.label for name, spec in settings_fields(TrainSettings)
               if getattr(train, name) != getattr(preset.train, name)]
    changed += [spec.label for name, spec in settings_fields(DataSettings)
                if name in ("scaler", "scale_target")
                and getattr(data, name) != getattr(preset.data, name)]
    if epochs != preset.train.epochs and "number of epochs" not in changed:
        changed.append("number of epochs (cut by the server)")
    return changed
