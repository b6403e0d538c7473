"""The URL-state codec: every data, train, sweep and split setting, and teacher mode, to and from query params.

>>> params = encode(LabState())
>>> params["data"], params["hidden"], params["lr"]
('circle', '8,8', '0.03')
>>> state, notes = decode({"epochs": "-5", "data": "nope"})
>>> state.train.epochs, state.data.dataset, len(notes)
(1, 'circle', 2)

Decoding never raises: a value that cannot be read falls back to its default and one out of
range is clamped, each with a plain note. Keys the codec does not know are ignored.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from .page_settings import (SETTINGS_CLASSES, DataSettings, SplitSettings, SweepSettings,
                            TrainSettings, checked, settings_fields)
from .teacher import TeacherMode

__all__ = ["LabState", "encode", "decode", "KEYS"]


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


#: Every query-param key the codec reads.
KEYS = frozenset([spec.key for cls in SETTINGS_CLASSES for _, spec in settings_fields(cls)]
                 + ["hide", "lock"])


def _encode_settings(settings) -> dict[str, str]:
    return {spec.key: spec.kind.format(getattr(settings, name))
            for name, spec in settings_fields(type(settings))}


def encode(state: LabState) -> dict[str, str]:
    """Query params for ``state``: every setting, then the teacher flags when they are on."""
    params = {}
    for name, _ in _parts():
        params.update(_encode_settings(getattr(state, name)))
    return {**params, **state.teacher.to_params()}


def _decode_settings(cls, params: Mapping[str, str]):
    values, notes = {}, []
    for name, spec in settings_fields(cls):
        if spec.key in params:
            values[name], note = spec.kind.parse(str(params[spec.key]), spec.label)
            notes += [note] if note else []
    settings, more = checked(cls(**values))
    return settings, notes + more


def decode(params: Mapping[str, str]) -> tuple[LabState, list[str]]:
    """``(state, notes)`` from query params; missing settings take their defaults."""
    parts, notes = {}, []
    for name, cls in _parts():
        parts[name], found = _decode_settings(cls, params)
        notes += found
    teacher, found = TeacherMode.from_params(
        {key: str(params[key]) for key in ("hide", "lock") if key in params})
    return LabState(**parts, teacher=teacher), notes + found
