"""The URL-state codec: round trips (hypothesis), clamping with notes, tampered links, teacher
flags."""
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings as hyp_settings, strategies as s

from labapp.server.limits import MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_LEARNING_RATE, MAX_SAMPLES
from labapp.settings.kinds import Choice, ChoiceList, Flag, Real, Text, Whole, WholeList
from labapp.settings.page_settings import (SETTINGS_CLASSES, DataSettings, TrainSettings,
                                          checked, settings_fields)
from labapp.settings.teacher import CONTROLS, NAMES, SECTIONS, TeacherMode
from labapp.settings.url_state import KEYS, LabState, decode, encode


def _values(kind):
    """A strategy for valid values of one field kind."""
    if isinstance(kind, Whole):
        return s.integers(kind.low, kind.high)
    if isinstance(kind, Real):
        return s.floats(kind.low, kind.high, allow_nan=False)
    if isinstance(kind, Choice):
        return s.sampled_from(kind.options)
    if isinstance(kind, Flag):
        return s.booleans()
    if isinstance(kind, WholeList):
        return s.lists(s.integers(kind.low, kind.high), max_size=kind.most).map(tuple)
    if isinstance(kind, ChoiceList):
        return s.lists(s.sampled_from(kind.options), min_size=1, max_size=kind.most).map(tuple)
    assert isinstance(kind, Text)
    return s.text(s.characters(blacklist_categories=["Cs"]), max_size=kind.most)


def _settings(cls):
    return s.fixed_dictionaries({name: _values(spec.kind)
                                 for name, spec in settings_fields(cls)}).map(lambda v: cls(**v))


@s.composite
def lab_states(draw):
    train = draw(_settings(TrainSettings))
    train = replace(train, activations=(train.activations * MAX_HIDDEN_LAYERS)[:len(train.hidden)])
    names = sorted(CONTROLS) + sorted(SECTIONS)
    hidden = draw(s.frozensets(s.sampled_from(names)))
    locked = draw(s.frozensets(s.sampled_from(names))) - hidden
    data = draw(_settings(DataSettings))
    data = replace(data, features=tuple(dict.fromkeys(data.features)))      # each feature once
    return LabState(data, train, TeacherMode(hidden, locked))


@hyp_settings(max_examples=150, deadline=None)
@given(lab_states())
def test_every_valid_state_round_trips_without_notes(state):
    params = encode(state)
    assert all(isinstance(v, str) for v in params.values())
    decoded, notes = decode(params)
    assert decoded == state
    assert notes == []
    assert encode(decoded) == params


@hyp_settings(max_examples=200, deadline=None)
@given(s.dictionaries(s.sampled_from(sorted(KEYS) + ["other"]),
                      s.text(max_size=60) | s.sampled_from(
                          ["-5", "1e308", "-1e308", "inf", "nan", "1e3", "", ",", "0", "2.5"])))
def test_any_params_decode_to_valid_settings(params):
    state, notes = decode(params)
    assert checked(state.data) == (state.data, [])
    assert checked(state.train) == (state.train, [])
    assert len(state.train.activations) == len(state.train.hidden)
    assert all(isinstance(n, str) and n for n in notes)


@pytest.mark.parametrize("key, text, attribute, expected", [
    ("epochs", "-5", "epochs", 1),
    ("epochs", "99999999999999999999", "epochs", MAX_EPOCHS),
    ("epochs", "1e400", "epochs", MAX_EPOCHS),
    ("epochs", "twelve", "epochs", TrainSettings().epochs),
    ("epochs", "250.4", "epochs", 250),
    ("lr", "1e308", "learning_rate", MAX_LEARNING_RATE),
    ("lr", "-0.1", "learning_rate", 1e-6),
    ("lr", "nan", "learning_rate", TrainSettings().learning_rate),
    ("hidden", "9999", "hidden", (256,)),
    ("hidden", "8,x", "hidden", TrainSettings().hidden),
    ("hidden", ",".join(["1"] * 12), "hidden", (1,) * MAX_HIDDEN_LAYERS),
    ("opt", "warp-drive", "optimizer", "adam"),
    ("bias", "maybe", "bias", True),
    ("dropout", "0.99", "dropout", 0.9),
])
def test_tampered_train_values_are_clamped_with_a_note(key, text, attribute, expected):
    state, notes = decode({key: text})
    assert getattr(state.train, attribute) == expected
    assert notes, "a clamped value must say so"


@pytest.mark.parametrize("key, text, attribute, expected", [
    ("data", "mnist", "dataset", "circle"),
    ("n", "1e9", "n_samples", MAX_SAMPLES),
    ("n", "-3", "n_samples", 20),
    ("test", "2", "test_ratio", 0.95),
    ("features", "x1,banana", "features", ("x1",)),
    ("features", "banana", "features", ("x1", "x2")),
    ("features", "x1,x2,x1", "features", ("x1", "x2")),
    ("scaler", "", "scaler", "standard"),
])
def test_tampered_data_values_are_clamped_with_a_note(key, text, attribute, expected):
    state, notes = decode({key: text})
    assert getattr(state.data, attribute) == expected
    assert notes


@pytest.mark.parametrize("text", ["-0", "-0.0", "-1e-400"])
def test_negative_zero_reads_as_zero(text):
    """−0.0 is not below 0, so no clamp catches it, but NumPy refuses it as a noise scale."""
    state, notes = decode({"data": "moons", "noise": text})
    assert state.data.noise == 0.0 and math.copysign(1.0, state.data.noise) == 1.0
    assert notes == [] and encode(state)["noise"] == "0.0"


def test_ten_kilobyte_values_are_ignored_with_a_note():
    state, notes = decode({key: "9" * 10_000 for key in KEYS})
    assert state.train == TrainSettings() and state.data == DataSettings()
    assert len(notes) >= len(KEYS) - 2
    assert all("too long" in n for n in notes[:5])


def test_mismatched_activations_are_made_to_agree():
    state, notes = decode({"hidden": "4,4,4", "act": "relu"})
    assert state.train.activations == ("relu", "relu", "relu")
    assert any("activations" in n for n in notes)
    state, _ = decode({"hidden": "", "act": "relu,tanh"})
    assert state.train.hidden == () and state.train.activations == ()


def test_url_keys_are_unique_across_every_settings_class():
    keys = [spec.key for cls in SETTINGS_CLASSES for _, spec in settings_fields(cls)]
    assert len(keys) == len(set(keys)) and not {"hide", "lock", "run"} & set(keys)


def test_unknown_keys_are_ignored_and_defaults_fill_the_rest():
    state, notes = decode({"utm_source": "mail", "embed": "true"})
    assert state == LabState() and notes == []


def test_teacher_flags_parse_and_ignore_unknown_names():
    mode, notes = TeacherMode.from_params({"hide": "lr,opt,nonsense", "lock": "hidden,lr"})
    assert mode.hidden == {"lr", "opt"} and mode.locked == {"hidden"}
    assert not mode.shows("lr") and mode.locks("hidden") and mode.shows("hidden")
    assert notes and "nonsense" in notes[0]
    assert TeacherMode.from_params(mode.to_params())[0] == mode


def test_teacher_values_longer_than_every_name_once_are_ignored_with_a_note():
    every = ",".join(sorted(NAMES))
    assert TeacherMode.from_params({"lock": every})[0].locked == set(NAMES)   # valid, however long
    long = "lr," * (len(every) // 3 + 1)                 # longer than that: not read at all
    mode, notes = TeacherMode.from_params({"hide": "opt", "lock": long})
    assert mode.hidden == {"opt"} and mode.locked == frozenset()
    assert notes == ["The link's lock value is too long to read, so it is ignored."]


@pytest.mark.parametrize("kind, text", [
    (Whole(0, 10, 5), "inf"), (Whole(0, 10, 5), "-inf"), (Real(0.0, 1.0, 0.5), "-inf"),
    (WholeList(1, 4, 3, (2,)), "inf,1"), (Text(5), "abcdefgh"),
])
def test_kinds_never_return_out_of_range_values(kind, text):
    value, note = kind.parse(text, "value")
    assert note
    if isinstance(value, tuple):
        assert all(kind.low <= v <= kind.high for v in value)
    elif isinstance(value, str):
        assert len(value) <= kind.most
    else:
        assert math.isfinite(value) and kind.low <= value <= kind.high
