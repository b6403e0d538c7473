"""The train/test-split page: the four experiments with their captions, every widget, the work
cap, links, tampered links and teacher mode. (The guess before the split-ratio experiment is
tested in ``test_predictions.py``.)"""
import json

import pyarrow as pa
import pytest
from app_testing import (ENTRY, PAGES, TIMEOUT, charts, click, fresh_caches,  # noqa: F401
                         no_exception, open_page, params, assert_round_trip, set_widget, shown,
                         subheaders, texts)
from streamlit.testing.v1 import AppTest

from labapp.compute import split_experiments, split_pieces
from labapp.compute.split_tables import GAP, TEST, TRAIN
from labapp.settings.page_settings import SplitSettings
from labapp.settings.url_state import LabState, encode
from labapp.ui import session, split_run, split_services
from labapp.ui.shortcuts import SHORTCUTS

#: Small experiments keep the suite fast.
QUICK = {"sp_epochs": "30", "sp_n": "100", "sp_repeats": "2", "sp_k": "3"}
SECTIONS = ("ratio", "learning", "kfold", "capacity")
#: Charts per experiment: the split ratio and the capacity curves draw the gap as a chart of its
#: own below the losses.
CHARTS = {"ratio": 2, "learning": 1, "kfold": 1, "capacity": 2}
ALL_CHARTS = sum(CHARTS.values())


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
    assert len(charts(at)) == ALL_CHARTS
    shown = texts(at)
    for fragment in ("across random splits", "The gap between test and training loss",
                     "The test loss falls from", "one split alone can flatter or condemn",
                     "Without dropout the gap is", "The mean test loss is lowest at epoch"):
        assert fragment in shown
    assert [m.label for m in at.metric] == ["k-fold test loss (mean)", "Single hold-outs (range)"]
    capacity = at.dataframe[0].value
    assert list(capacity["hidden units"]) == [4, 4, 64, 64]
    assert "gap (mean)" in capacity.columns
    assert at.code[0].value.rsplit("/", 1)[-1] == "Splits", "default settings: a bare link"


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
    assert len(charts(at)) == ALL_CHARTS


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


def specs(at) -> list[dict]:
    """Each chart's Vega-Lite spec, with its data frames (by name) under ``"frames"``."""
    return [{**json.loads(chart.proto.spec),
             "frames": {d.name: pa.ipc.open_stream(d.data.data).read_pandas()
                        for d in chart.proto.datasets}} for chart in charts(at)]


def quick_settings() -> SplitSettings:
    return SplitSettings(n_samples=100, epochs=30, repeats=2, folds=3)


def _title(spec) -> str | None:
    title = spec.get("title")
    return title if title is None or isinstance(title, str) else title["text"]


def test_every_chart_is_titled_with_its_network_and_the_gap_has_its_own_chart():
    at = without_guess(open_page("Splits", QUICK))
    no_exception(at)
    found = specs(at)
    network = "2 → 16 → 1 ReLU network, 30 epochs"
    large = "2 → 64 → 1 ReLU network, 30 epochs"
    # ratio: losses, gap; learning; k-fold; capacity curves: losses, gap
    assert [_title(spec) for spec in found] == [network, None, network, network, large, None]
    assert found[4]["title"]["subtitle"] == "no dropout, mean of 3 seeds"
    for losses, gap in ((found[0], found[1]), (found[4], found[5])):
        assert _series(losses) == {TRAIN, TEST} and _series(gap) == {GAP}
        colours, dashes = _scale(losses, "color"), _scale(losses, "strokeDash")
        assert colours["domain"] == dashes["domain"] == [TRAIN, TEST, GAP]
        assert len(set(colours["range"])) == 3, "the gap has a colour of its own"
        assert dashes["range"][0] == dashes["range"][1] != dashes["range"][2], "the gap dashed"
        assert _legends(losses) == {"color", "strokeDash"}, "one legend names all three"
        assert _legends(gap) == set(), "the gap's chart has no legend of its own"
        assert _scale(gap, "color")["range"] == [colours["range"][2]]   # as in the legend
        assert _scale(gap, "strokeDash")["range"] == [dashes["range"][2]]
    learning = found[2]
    assert _series(learning) == {TRAIN, TEST} and _legends(learning) == {"color", "strokeDash"}
    assert _scale(learning, "color")["domain"] == [TRAIN, TEST], "no gap named where none is"


def _layers(chart) -> list[dict]:
    return chart.get("layer", [chart])


def _series(chart) -> set[str]:
    """The series plotted in a chart, read from the data it was sent."""
    return {name for layer in _layers(chart)
            for name in chart["frames"][(layer.get("data") or chart["data"])["name"]]["series"]}


def _scale(chart, channel: str) -> dict:
    return _layers(chart)[-1]["encoding"][channel]["scale"]


def _legends(chart) -> set[str]:
    """The channels (colour, dash) that show a legend: every layer that encodes the channel
    must leave its legend on, since one layer without it hides the shared legend."""
    found = set()
    for channel in ("color", "strokeDash"):
        encodings = [layer["encoding"][channel] for layer in _layers(chart)
                     if channel in layer["encoding"]]
        if encodings and all(e.get("legend", {}) is not None for e in encodings):
            found.add(channel)
    return found


def _stop_button_alone():
    from labapp.ui.split_run import stop_button
    stop_button()


def test_the_stop_button_carries_its_shortcut_and_names_it():
    at = AppTest.from_function(_stop_button_alone).run()
    stop = at.button(key=split_run.STOP_KEY).proto
    assert stop.shortcut == "escape" and SHORTCUTS["stop"] == "Esc"
    assert stop.help.endswith("Shortcut: Esc.") and "keeps those that have finished" in stop.help


def _page_with_kept(settings, kept) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    for key, value in encode(LabState(splits=settings)).items():
        at.query_params[key] = value
    at.query_params["hide"] = "guess"
    at.session_state["lab.splits"] = kept
    return at.switch_page(PAGES["Splits"]).run()


def test_after_stop_the_finished_experiments_show_with_a_note_and_run_the_rest_finishes():
    settings = quick_settings()
    ratio = split_services.split_ratios(settings)
    at = _page_with_kept(settings, session.KeptSplits(settings, {"ratio": ratio}, stopped=True))
    no_exception(at)
    note = texts(at)
    assert "Stopped: 1 of 4 experiments finished (split ratio)" in note
    assert "the rest (learning curve, cross-validation, model size and dropout) was stopped" in note
    assert len(charts(at)) == CHARTS["ratio"] and note.count("Stopped before it finished") == 3
    at = click(at, "Run the rest")
    no_exception(at)
    assert len(charts(at)) == ALL_CHARTS and "Stopped:" not in texts(at)
    kept = at.session_state["lab.splits"]
    assert not kept.stopped and set(kept.results) == set(split_pieces.EXPERIMENTS)
    assert kept.results["ratio"] is ratio or kept.results["ratio"] == ratio


def test_stopped_before_anything_finished_says_all_were_stopped():
    at = _page_with_kept(quick_settings(), session.KeptSplits(quick_settings(), {}, stopped=True))
    no_exception(at)
    note = texts(at)
    assert ("Stopped: 0 of 4 experiments finished; all were stopped (split ratio, learning "
            "curve, cross-validation, model size and dropout)") in note
    assert not charts(at) and note.count("Stopped before it finished") == 4
    assert [b.label for b in at.button if b.key == split_run.REST_KEY] == ["Run the rest"]


def test_an_interruption_that_was_not_stop_goes_on_by_itself():
    settings = quick_settings()
    ratio = split_services.split_ratios(settings)
    at = _page_with_kept(settings, session.KeptSplits(settings, {"ratio": ratio}, stopped=False))
    no_exception(at)
    assert len(charts(at)) == ALL_CHARTS and "Stopped:" not in texts(at)


class Interruption(BaseException):
    """Stands for Streamlit's rerun request, which arrives while the page draws."""


def test_a_stopped_experiment_set_keeps_the_finished_ones_and_never_caches_the_stopped():
    from labapp.ui.live_progress import LiveProgress, LiveRuns
    from labapp.ui.split_live import SplitTracker
    settings = quick_settings()
    frames = []

    def draw(progress):
        frames.append(progress)
        if progress.experiment == "Learning curve" and progress.work_done > progress.work_total / 2:
            raise Interruption()

    tracker = SplitTracker(LiveProgress(draw, interval=0.0, runs=LiveRuns()),
                           split_pieces.EXPERIMENTS, settings)
    kept = []
    with pytest.raises(Interruption):
        split_services.experiments(settings, split_pieces.EXPERIMENTS, tracker,
                                   on_stop=kept.append)
    assert list(kept[0]) == ["ratio"]
    assert [f.work_done for f in frames] == sorted(f.work_done for f in frames)
    assert frames[-1].fraction < 1 and frames[0].count == 4
    ticks = []

    class Counting:
        interruption = None

        def __call__(self, work):
            ticks.append(work)
            return False

    assert split_services.split_ratios(settings, _live=Counting()) == kept[0]["ratio"]
    assert ticks == []                                      # the finished one: from the cache
    split_services.learning_curve(settings, _live=Counting())
    # the stopped one is computed anew: a tick with each piece's work (and ticks of 0 while a
    # piece trains in the worker pool)
    assert len([t for t in ticks if t > 0]) == len(split_experiments.FRACTIONS)
