"""The URL-state codec: every data, train, sweep and split setting, and teacher mode, to and from query params.

>>> params = encode(LabState())
>>> params["data"], params["hidden"], params["lr"]
('circle', '8,8', '0.03')
>>> state, notes = decode({"epochs": "-5", "data": "nope"})
>>> state.train.epochs, state.data.dataset, len(notes)
(1, 'circle', 2)

:func:`encode` writes every setting (the address bar); :func:`encode_parts` writes only the
settings of the parts named that differ from their defaults (a short link to share):

>>> encode_parts(LabState(train=TrainSettings(learning_rate=0.3)), ("data", "train"))
{'lr': '0.3'}

Decoding never raises: a value that cannot be read falls back to its default and one out of
range is clamped, each with a plain note. Keys the codec does not know are ignored. A part that
a link names (one of its keys is there, or the caller says the link names it) takes the link's
values, a missing key meaning the default; the other parts keep ``base``'s.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from .page_settings import (SETTINGS_CLASSES, DataSettings, SplitSettings, SweepSettings,
                            TrainSettings, checked, settings_fields)
from .teacher import TEACHER_KEYS, TeacherMode

__all__ = ["LabState", "encode", "encode_parts", "decode", "named_parts", "KEYS",
           "PARTS"]


@dataclass(frozen=True)
class LabState:
    """Everything a link carries: one settings object per part, and the teacher flags."""

    data: DataSettings = field(default_factory=DataSettings)
    train: TrainSettings = field(default_factory=TrainSettings)
    teacher: TeacherMode = field(default_factory=TeacherMode)
    sweep: SweepSettings = field(default_factory=SweepSettings)
    splits: SplitSettings = field(default_factory=SplitSettings)


def _parts() -> list[tuple[str, type]]:
    """``(attribute, settings class)`` of every part of :class:`LabState` but the teacher's."""
    blank = LabState()
    return [(f.name, type(getattr(blank, f.name))) for f in fields(LabState)
            if type(getattr(blank, f.name)) in SETTINGS_CLASSES]


#: The settings parts of :class:`LabState` (all but the teacher's), by attribute.
PARTS = tuple(name for name, _ in _parts())
#: Every query-param key the codec reads: the settings and teacher mode.
KEYS = frozenset([spec.key for cls in SETTINGS_CLASSES for _, spec in settings_fields(cls)]
                 + list(TEACHER_KEYS))


def _encode_settings(settings) -> dict[str, str]:
    return {spec.key: spec.kind.format(getattr(settings, name))
            for name, spec in settings_fields(type(settings))}


def _changed_settings(settings) -> dict[str, str]:
    """The URL values of ``settings`` that differ from their class's defaults."""
    defaults = _encode_settings(type(settings)())
    return {key: value for key, value in _encode_settings(settings).items()
            if value != defaults[key]}


def encode(state: LabState) -> dict[str, str]:
    """Query params for ``state``: every setting, then the teacher flags when they are on."""
    params = {}
    for name, _ in _parts():
        params.update(_encode_settings(getattr(state, name)))
    return {**params, **state.teacher.to_params()}


def encode_parts(state: LabState, parts) -> dict[str, str]:
    """Query params for the ``parts`` of ``state`` (attribute names): only values that differ
    from the defaults, then the teacher flags when they are on."""
    params = {}
    for name in parts:
        params.update(_changed_settings(getattr(state, name)))
    return {**params, **state.teacher.to_params()}


def _decode_settings(cls, params: Mapping[str, str]):
    values, notes = {}, []
    for name, spec in settings_fields(cls):
        if spec.key in params:
            values[name], note = spec.kind.parse(str(params[spec.key]), spec.label)
            notes += [note] if note else []
    settings, more = checked(cls(**values))
    return settings, notes + more


def named_parts(params: Mapping[str, str], parts=()) -> tuple[str, ...]:
    """The parts a link sets: ``parts`` (its page's) and every part one of whose keys it holds."""
    return tuple(name for name, cls in _parts()
                 if name in parts or any(spec.key in params for _, spec in settings_fields(cls)))


def decode(params: Mapping[str, str], base: LabState | None = None,
           parts=None) -> tuple[LabState, list[str]]:
    """``(state, notes)`` from query params. The parts the link names (see :func:`named_parts`;
    every part when ``parts`` is None) take the link's values, missing ones their defaults; the
    others keep ``base``'s (the defaults when None). The teacher flags come from the link."""
    base = base if base is not None else LabState()
    chosen, notes = {}, []
    for name in named_parts(params, PARTS if parts is None else parts):
        chosen[name], found = _decode_settings(type(getattr(base, name)), params)
        notes += found
    teacher, found = TeacherMode.from_params(
        {key: str(params[key]) for key in TEACHER_KEYS if key in params})
    return replace(base, **chosen, teacher=teacher), notes + found
