"""Teacher mode: URL flags that hide or lock chosen controls, for a focused exercise.

Like TensorFlow Playground's hide flags, ``?hide=opt,l2&lock=hidden,act`` hides the optimiser
and L2 controls and shows the architecture controls greyed out. The names are the settings' URL
keys (see :mod:`labapp.settings.page_settings`) and the page sections in :data:`SECTIONS`. A
hidden or locked control keeps the value the link gives it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .page_settings import SETTINGS_CLASSES, settings_fields

__all__ = ["TeacherMode", "SECTIONS", "CONTROLS", "NAMES"]

#: Page sections a teacher can hide, with what they hold.
SECTIONS = {
    "equations": "the equations panel",
    "hand": "the Train page's step by hand",
    "weights": "the weight heatmaps",
    "gradients": "the gradient norms and dead units",
    "gradcheck": "the gradient check",
    "downloads": "the downloads",
    "link": "the copy-link box",
    "guess": "the predict-then-run questions (Train, Sweep, Splits)",
    "verdict": "the sweep's verdict on best against runner-up",
    "parallel": "the sweep's parallel-coordinates view",
    "ratio": "the split-ratio experiment",
    "learning": "the learning curve",
    "kfold": "the k-fold comparison",
    "capacity": "model size and dropout against the gap",
}
#: Every control's URL key, with its label.
CONTROLS = {spec.key: spec.label
            for cls in SETTINGS_CLASSES for _, spec in settings_fields(cls)}
NAMES = {**CONTROLS, **SECTIONS}
#: ``hide``/``lock`` values longer than every name listed once are ignored.
_MAX_CHARS = len(",".join(NAMES))


def _names(text: str) -> tuple[frozenset[str], list[str]]:
    given = [name.strip() for name in text.split(",")[:100] if name.strip()]
    unknown = [name[:30] for name in given if name not in NAMES]
    return frozenset(n for n in given if n in NAMES), unknown


@dataclass(frozen=True)
class TeacherMode:
    """Which controls and sections are hidden and which are locked."""

    hidden: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()

    @classmethod
    def from_params(cls, params: dict[str, str]) -> tuple["TeacherMode", list[str]]:
        """Read ``hide`` and ``lock``; unknown names, and values too long to read, are ignored,
        with a note."""
        notes, texts = [], {}
        for key in ("hide", "lock"):
            text = params.get(key, "")
            if len(text) > _MAX_CHARS:
                notes.append(f"The link's {key} value is too long to read, so it is ignored.")
                text = ""
            texts[key] = text
        hidden, unknown_hidden = _names(texts["hide"])
        locked, unknown_locked = _names(texts["lock"])
        unknown = unknown_hidden + unknown_locked
        if unknown:
            notes.append(f"Teacher mode ignores unknown names: {', '.join(unknown)}.")
        return cls(hidden, locked - hidden), notes

    def to_params(self) -> dict[str, str]:
        """The ``hide``/``lock`` URL values (none when the mode is off)."""
        params = {}
        if self.hidden:
            params["hide"] = ",".join(sorted(self.hidden))
        if self.locked:
            params["lock"] = ",".join(sorted(self.locked))
        return params

    @property
    def active(self) -> bool:
        return bool(self.hidden or self.locked)

    def shows(self, name: str) -> bool:
        """Whether the control or section ``name`` is drawn."""
        return name not in self.hidden

    def locks(self, name: str) -> bool:
        """Whether the control ``name`` is drawn but cannot be changed."""
        return name in self.locked
