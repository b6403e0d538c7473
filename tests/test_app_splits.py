"""The train/test-split page: the four experiments with their captions, every widget, the work
cap, links, tampered links and teacher mode. (The guess before the split-ratio experiment is
tested in ``test_predictions.py``.)"""
import pytest
from app_testing import (charts, fresh_caches, no_exception, open_page, params,  # noqa: F401
                         assert_round_trip, set_widget, shown, subheaders, texts)

from labapp.compute import split_experiments
from labapp.settings.page_settings import SplitSettings

#: Small experiments keep the suite fast.
QUICK = {"sp_epochs": "30", "sp_n": "100", "sp_repeats": "2", "sp_k": "3"}
SECTIONS = ("ratio", "learning", "kfold", "capacity")


def without_guess(at):
    """Answer the guess before the split-ratio experiment with "no guess", so that it runs."""
    at.selectbox(key="splits.guess").set_value("no guess").run()
    return at


def test_the_page_shows_every_experiment_with_its_caption():
    at = without_guess(open_page("Splits"))
    no_exception(at)
    assert at.title[0].value == "Train and test: how much does the split matter?"
    for heading in ("The split ratio as an experiment", "Learning curve",
                    "5-fold cross-validation against one hold-out split",
                    "Model size and dropout against the gap"):
        assert heading in subheaders(at)
    assert len(charts(at)) == 4
    shown = texts(at)
    for fragment in ("across random splits", "The gap between test and training loss",
                     "The test loss falls from", "one split alone can flatter or condemn",
                     "Without dropout the gap is", "Large network without dropout"):
        assert fragment in shown
    assert [m.label for m in at.metric] == ["k-fold test loss (mean)", "Single hold-outs (range)"]
    capacity = at.dataframe[0].value
    assert list(capacity["hidden units"]) == [4, 4, 64, 64]
    assert "gap (mean)" in capacity.columns
    assert "sp_data=moons" in at.code[0].value


WIDGETS = [
    ("selectbox", "w.sp_data", ["circle", "xor"]),
    ("slider", "w.sp_n", [50, 120]),
    ("slider", "w.sp_noise", [0.0, 1.0]),
    ("slider", "w.sp_width", [1, 64]),
    ("number_input", "w.sp_epochs", [10, 20]),
    ("slider", "w.sp_repeats", [2, 4]),
    ("slider", "w.sp_k", [2, 10]),
    ("slider", "w.sp_small", [1, 8]),
    ("slider", "w.sp_large", [8, 128]),
    ("slider", "w.sp_dropout", [0.05, 0.9]),
]


@pytest.mark.parametrize("widget, key, values", WIDGETS, ids=[w[1] for w in WIDGETS])
def test_every_split_widget_takes_valid_and_edge_values(widget, key, values):
    at = without_guess(open_page("Splits", QUICK))
    for value in values:
        set_widget(at, widget, key, value)
        assert params(at)[key.removeprefix("w.")] == (repr(value) if isinstance(value, float)
                                                      else str(value))
    assert len(charts(at)) == 4


def test_split_settings_round_trip_through_the_url():
    settings = SplitSettings(dataset="circle", n_samples=80, noise=0.15, width=5, epochs=20,
                             repeats=2, folds=4, small=2, large=16, dropout=0.5)
    at = assert_round_trip("Splits", splits=settings)
    assert "4-fold cross-validation against one hold-out split" in subheaders(at)


def test_a_tampered_split_link_is_clamped_with_notes():
    at = open_page("Splits", {**QUICK, "sp_k": "99", "sp_small": "40", "sp_large": "8",
                              "sp_data": "imagenet"})
    no_exception(at)
    note = shown(at.warning[0].value)
    for fragment in ("number of folds 99", "no split dataset called", "large network needs"):
        assert fragment in note
    assert params(at)["sp_k"] == "10" and int(params(at)["sp_large"]) > int(params(at)["sp_small"])


def test_too_much_work_cuts_the_epochs_with_a_note():
    big = SplitSettings(n_samples=1000, width=64, large=128, epochs=1000, repeats=10, folds=10)
    setup = split_experiments.setup(big)
    assert setup.epochs < 1000 and "more work than the shared server allows" in setup.note
    assert split_experiments.setup(SplitSettings()).note is None
    at = open_page("Splits", {"sp_n": "1000", "sp_width": "64",
                              "sp_large": "128", "sp_epochs": "1000", "sp_repeats": "10",
                              "sp_k": "10", "hide": ",".join(SECTIONS)})
    no_exception(at)
    assert "more work than the shared server allows" in texts(at)


def test_teacher_mode_hides_sections_and_locks_controls():
    at = open_page("Splits", {**QUICK, "hide": "ratio,kfold,sp_data,link",
                              "lock": "sp_epochs"})
    no_exception(at)
    assert subheaders(at)[:2] == ["Learning curve", "Model size and dropout against the gap"]
    assert "w.sp_data" not in {s.key for s in at.selectbox}
    assert at.number_input(key="w.sp_epochs").disabled
    assert not at.code and not at.metric
    assert not at.expander or all("Teacher" not in e.label for e in at.expander)
