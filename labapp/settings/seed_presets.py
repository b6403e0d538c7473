"""The seed posts' networks (:mod:`nncore.presets`) as lab settings, for the one-click presets.

Each preset uses its post's own data, unscaled and split as the post splits it, so training in
the lab gives exactly what ``nncore.presets.seed_00x().run()`` gives (tested).
"""
from __future__ import annotations

from dataclasses import dataclass

from nncore import presets

from .dataset_names import PRESET_SETS
from .page_settings import SAME_LOSS, DataSettings, TrainSettings
from .url_state import LabState

__all__ = ["PresetCard", "preset_state", "preset_cards"]


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
        dropconnect=config.dropconnect, l2=config.l2, seed=network["seed"])
    return LabState(DataSettings(dataset=key, scaler="none", scale_target=False), train)


def preset_cards() -> list[PresetCard]:
    """Title, description and notes of every seed preset."""
    cards = []
    for key in PRESET_SETS:
        preset = presets.PRESETS[key]()
        cards.append(PresetCard(key, preset.title, preset.description, preset.notes))
    return cards
