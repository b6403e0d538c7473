"""Teacher mode: URL flags that hide or lock chosen controls, and the teacher's question, for a
focused exercise.

Like TensorFlow Playground's hide flags, ``?hide=opt,l2&lock=hidden,act`` hides the optimiser
and L2 controls and shows the architecture controls greyed out; ``q=`` is the teacher's question
or instruction, shown to the student at the top of the page (as plain text). The names are the
settings' URL keys (see :mod:`labapp.settings.page_settings`) and the page sections in
:data:`SECTIONS`. A hidden or locked control keeps the value the link gives it. ``sealed`` says
that the link's seal was checked (:mod:`labapp.settings.seal`); it never comes from the URL.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..server.limits import MAX_PARAM_CHARS
from .page_settings import (SETTINGS_CLASSES, DataSettings, SplitSettings, SweepSettings,
                            TrainSettings, settings_fields)

__all__ = ["TeacherMode", "SECTIONS", "CONTROLS", "NAMES", "PAGE_SECTIONS", "PAGE_CONTROLS",
           "MAX_QUESTION", "QUESTION_KEY", "SEAL_KEY", "TEACHER_KEYS"]

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
    "importance": "the sweep's view of which setting mattered most",
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


def _keys(cls) -> tuple[str, ...]:
    return tuple(spec.key for _, spec in settings_fields(cls))


#: The controls each page draws (what its exercise builder offers), by URL key.
PAGE_CONTROLS = {"Data": _keys(DataSettings),
                 "Train": ("data", "test", "data_seed", *_keys(TrainSettings)),
                 "Sweep": _keys(SweepSettings), "Splits": _keys(SplitSettings)}
#: The sections each page can hide.
PAGE_SECTIONS = {"Data": ("link",),
                 "Train": ("guess", "hand", "equations", "weights", "gradients", "gradcheck",
                           "downloads", "link"),
                 "Sweep": ("guess", "verdict", "importance", "parallel", "downloads", "link"),
                 "Splits": ("guess", "ratio", "learning", "kfold", "capacity", "link")}
#: The URL key of the teacher's question, and its longest allowed length (that of any URL value).
QUESTION_KEY, MAX_QUESTION = "q", MAX_PARAM_CHARS
#: The query-param keys teacher mode reads.
TEACHER_KEYS = ("hide", "lock", QUESTION_KEY)
#: The URL key of a sealed link's seal (checked by :mod:`labapp.settings.share_links`, not
#: read by the codec).
SEAL_KEY = "seal"
#: ``hide``/``lock`` values longer than every name listed once are ignored.
_MAX_CHARS = len(",".join(NAMES))


def _names(text: str) -> tuple[frozenset[str], list[str]]:
    given = [name.strip() for name in text.split(",")[:100] if name.strip()]
    unknown = [name[:30] for name in given if name not in NAMES]
    return frozenset(n for n in given if n in NAMES), unknown


def _question(text: str) -> tuple[str, list[str]]:
    """The question, its whitespace folded, cut to :data:`MAX_QUESTION` characters."""
    folded = " ".join(text.split())
    if len(folded) <= MAX_QUESTION:
        return folded, []
    return folded[:MAX_QUESTION], [f"The teacher's question is longer than {MAX_QUESTION} "
                                   "characters, so only its beginning is shown."]


@dataclass(frozen=True)
class TeacherMode:
    """Which controls and sections are hidden and which are locked, the teacher's question, and
    whether the link's seal was checked."""

    hidden: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()
    question: str = ""
    sealed: bool = False

    @classmethod
    def from_params(cls, params: dict[str, str]) -> tuple["TeacherMode", list[str]]:
        """Read ``hide``, ``lock`` and ``q``; unknown names, and values too long to read, are
        ignored, with a note (never sealed: only a checked seal makes it so)."""
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
        question, cut = _question(params.get(QUESTION_KEY, "")[:4 * MAX_QUESTION])
        return cls(hidden, locked - hidden, question), notes + cut

    def to_params(self) -> dict[str, str]:
        """The ``hide``/``lock``/``q`` URL values (none when the mode is off)."""
        params = {}
        if self.hidden:
            params["hide"] = ",".join(sorted(self.hidden))
        if self.locked:
            params["lock"] = ",".join(sorted(self.locked))
        if self.question:
            params[QUESTION_KEY] = self.question
        return params

    @property
    def active(self) -> bool:
        return bool(self.hidden or self.locked or self.question)

    @property
    def held_controls(self) -> tuple[str, ...]:
        """The controls the student cannot change (hidden or locked), by URL key, sorted."""
        return tuple(sorted(name for name in self.hidden | self.locked if name in CONTROLS))

    def shows(self, name: str) -> bool:
        """Whether the control or section ``name`` is drawn."""
        return name not in self.hidden

    def locks(self, name: str) -> bool:
        """Whether the control ``name`` is drawn but cannot be changed."""
        return name in self.locked
