"""The sweep page: setup widgets, the work shown before running and the budget refusal, grid
and random search, every result view for one, two and three axes (heatmaps with values, which
setting mattered most, every run against each setting, the verdict's per-seed scores, the note
on a best value at an edge), diverged runs, predict-then-run, Stop, keyboard shortcuts,
downloads, links, tampered links and teacher mode. Numbers in captions and notes are checked
against the data the charts draw."""
import json
import re

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from app_testing import (ENTRY, PAGES, TIMEOUT, charts, click, fresh_caches,  # noqa: F401
                         no_exception, open_page, params, assert_round_trip, set_widget,
                         shown, subheaders, texts)
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from labapp.compute import sweep_tables
from labapp.settings.page_settings import SweepSettings
from labapp.settings.url_state import LabState, decode, encode
from labapp.ui import services, session
from labapp.ui.live_progress import LiveProgress, LiveRuns
from labapp.views import sweep_charts

#: A small sweep: two learning rates × two widths × two seeds, 30 epochs.
QUICK = {"sw_axes": "lr,width", "sw_lr": "0.1,1.0", "sw_width": "2,4", "sw_seeds": "2",
         "sw_epochs": "30"}
#: Far beyond the budget: 8 × 8 × 8 configurations × 10 seeds × 2,000 epochs of wide networks.
HUGE = {"sw_axes": "lr,width,dropout", "sw_lr": "0.001,0.003,0.01,0.03,0.1,0.3,1,3",
        "sw_width": "8,16,24,32,40,48,56,64", "sw_dropout": "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7",
        "sw_seeds": "10", "sw_epochs": "2000", "sw_n": "1000"}


def run(at):
    return click(at, "Run the sweep")


def chart_specs(at) -> list[str]:
    return [str(c.proto.spec) for c in charts(at)]


def chart_data(chart) -> pd.DataFrame:
    """The rows one chart draws (every dataset it holds, one after the other)."""
    frames = [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data)
              for d in chart.proto.datasets]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def charts_with(at, fragment: str) -> list:
    """The charts whose Vega-Lite spec holds ``fragment``."""
    return [c for c in charts(at) if fragment in c.proto.spec]


def _after(text: str, prefix: str) -> list[float]:
    """The numbers following each ``prefix`` in ``text``."""
    return [float(n) for n in re.findall(re.escape(prefix) + r" ([0-9]+(?:\.[0-9]+)?)", text)]


def test_before_running_the_page_shows_the_work_and_the_guess_box():
    at = open_page("Sweep")
    no_exception(at)
    assert at.title[0].value == "Sweep: what really matters?"
    assert "180 runs, 54,000 epochs in all" in texts(at)
    assert at.selectbox(key="sweep.guess").options[0] == "no guess"
    assert [b for b in at.button if b.label == "Run the sweep"][0].disabled is False
    assert any("Press Run the sweep" in i.value for i in at.info)
    assert not charts(at)


def _stop_only():
    from labapp.ui import experiment_controls
    experiment_controls.stop_sweep_button()


def test_run_the_sweep_and_stop_carry_their_shortcuts_and_name_them():
    from labapp.ui.shortcuts import SHORTCUTS
    button = open_page("Sweep").button(key="sweep.run").proto
    assert button.shortcut == "ctrl+enter" and SHORTCUTS["sweep"] == "Ctrl+Enter"
    assert button.help.endswith("Shortcut: Ctrl+Enter.")

    stop = AppTest.from_function(_stop_only).run().button(key="sweep.stop").proto
    assert stop.label == "Stop" and stop.shortcut == "escape" and SHORTCUTS["stop"] == "Esc"
    assert stop.help.endswith("keeps every run that has finished. Shortcut: Esc.")


def test_a_random_search_draws_its_budget_and_says_so():
    at = open_page("Sweep", {**QUICK, "sw_search": "random", "sw_budget": "6"})
    no_exception(at)
    assert "12 runs (6 configurations drawn at random × 2 seeds)" in texts(at)
    assert at.number_input(key="w.sw_budget").value == 6
    help_text = at.selectbox(key="w.sw_search").proto.help
    assert "**grid**" in help_text and "**random**" in help_text
    at = run(at)
    no_exception(at)
    assert any("12 runs finished" in s.value for s in at.success)
    best = at.dataframe[0].value
    assert len(best) == 6
    rates = set(best["config"].str.extract(r"learning rate ([0-9.e-]+)")[0].astype(float))
    assert len(rates) > 2 and all(0.1 <= r <= 1.0 for r in rates), "drawn from the range"
    assert not charts_with(at, '"rect"'), "drawn learning rates make no grid to draw"
    assert "Final loss by configuration" not in subheaders(at)
    scatter = charts_with(at, '"learning_rate"')
    assert scatter and len(chart_data(scatter[0])) >= 12, "every run against each setting"
    assert "cut into 4 groups" in texts(at)


def test_grid_search_hides_the_budget_and_both_searches_round_trip():
    at = open_page("Sweep", QUICK)
    assert "w.sw_budget" not in {n.key for n in at.number_input}
    set_widget(at, "selectbox", "w.sw_search", "random")
    assert params(at)["sw_search"] == "random"
    set_widget(at, "number_input", "w.sw_budget", 9)
    assert params(at)["sw_budget"] == "9"
    assert_round_trip("Sweep", sweep=SweepSettings(search="random", budget=33, seeds=2))


def test_importance_bars_and_sentence_give_the_same_shares():
    at = run(open_page("Sweep", {**QUICK, "sw_seeds": "3"}))
    no_exception(at)
    bars = chart_data(charts_with(at, '"share"')[0])
    sentence = next(m.value for m in at.markdown if "each setting on its own explains" in m.value)
    for _, row in bars.iterrows():
        shown = _after(shown_text := sentence.replace("%", ""), row["setting"])
        assert shown == [round(100 * row["share"])], shown_text
        assert row["percent"] == f"{100 * row['share']:.0f}%"
    rest = _after(sentence.replace("%", ""), "The other")
    assert rest == [round(100 * (1 - bars["share"].sum()))]


def test_the_verdict_plots_the_per_seed_scores_it_compares_and_its_caption_matches():
    at = run(open_page("Sweep", {**QUICK, "sw_seeds": "3"}))
    strip = chart_data(charts_with(at, '"runner-up"')[0])
    assert sorted(strip["role"].unique()) == ["best", "runner-up"]
    assert strip.groupby("role").size().tolist() == [3, 3]
    best = at.dataframe[0].value
    for role, row in zip(("best", "runner-up"), best.head(2).itertuples()):
        seeds = strip[strip["role"] == role]
        assert (seeds["config"] == row.config).all()
        assert seeds["loss"].mean() == pytest.approx(row[2])
    caption = next(c.value for c in at.caption if "the tick their mean" in c.value)
    means = strip.groupby("role")["loss"].mean()
    assert _after(caption, "the best") == [float(f"{means['best']:.4g}")]
    assert _after(caption, "the runner-up") == [float(f"{means['runner-up']:.4g}")]


def test_a_best_value_at_the_edge_says_which_way_to_extend():
    at = run(open_page("Sweep", {**QUICK, "sw_axes": "lr", "sw_lr": "0.001,0.003",
                                 "sw_epochs": "50"}))
    no_exception(at)
    best = at.dataframe[0].value["config"].iloc[0]
    assert best == "learning rate 0.003", "a learning rate this small barely moves"
    note = next(w.value for w in at.warning if "extend the range" in w.value)
    assert "learning rate (0.003) is the largest value swept" in note
    assert "extend the range above 0.003" in note
    inside = run(open_page("Sweep", {**QUICK, "sw_axes": "width", "sw_width": "2,4,16",
                                     "sw_epochs": "30"}))
    best_width = inside.dataframe[0].value["config"].iloc[0]
    notes = [w.value for w in inside.warning if "extend the range" in w.value]
    assert (best_width == "hidden units 4") == (notes == [])


def test_a_refused_sweep_shows_no_press_run_hint():
    at = open_page("Sweep", HUGE)
    assert at.error and not any("Press Run the sweep" in i.value for i in at.info)


def test_the_classroom_sweep_shows_every_result_view():
    at = run(open_page("Sweep"))
    no_exception(at)
    assert any("180 runs finished" in s.value for s in at.success)
    for heading in ("Final loss by configuration", "Is the best really better?",
                    "Which setting mattered most?", "Best configurations",
                    "Loss curves of every run", "Every run at once", "Downloads"):
        assert heading in subheaders(at)
    maps = charts_with(at, '"rect"')
    assert len(maps) == 2, "three axes: one heatmap per dropout rate"
    assert [json.loads(m.proto.spec)["title"] for m in maps] == ["dropout 0", "dropout 0.2"]
    domains = {str(json.loads(m.proto.spec)["layer"][0]["encoding"]["color"]["scale"]["domain"])
               for m in maps}
    assert len(domains) == 1, "the heatmaps share one colour scale"
    assert len(charts_with(at, '"final_test_loss"')) >= 3, "a scatter per swept setting"
    assert "seed-to-seed noise" in texts(at)
    best = at.dataframe[0].value
    assert list(best.columns)[0] == "config" and len(best) == 10
    assert best["test loss (mean)"].is_monotonic_increasing
    assert [d.label for d in at.download_button] == ["Results (CSV)"]
    link = at.code[0].value
    assert "run=1" in link and "sw_axes" not in link, "the default axes go without saying"


def test_one_axis_draws_lines_with_bands_on_a_log_axis():
    at = run(open_page("Sweep", {**QUICK, "sw_axes": "lr", "sw_lr": "0.01,0.1,10"}))
    no_exception(at)
    main = chart_specs(at)[0]
    assert "log" in main and "area" in main and "mean over seeds" in main


def test_a_one_axis_chart_puts_a_cross_at_the_top_for_diverged_runs():
    table = pd.DataFrame({"learning_rate": [0.1, 10.0], "diverged": [0, 2],
                          "test_mean": [0.3, np.nan], "test_std": [0.01, np.nan],
                          "train_mean": [0.2, np.nan], "train_std": [0.01, np.nan]})
    spec = sweep_charts.axis_line(table, "learning_rate").to_dict()
    crosses = [layer for layer in spec["layer"] if layer["mark"].get("shape") == "cross"]
    assert len(crosses) == 1
    data = spec["datasets"][crosses[0]["data"]["name"]]
    assert [row["learning_rate"] for row in data] == [10.0]
    assert data[0]["top"] > 0.31, "the cross sits above every finite value"


def test_diverged_runs_are_marked_not_dropped():
    at = run(open_page("Sweep", {**QUICK, "sw_axes": "lr,width,depth", "sw_lr": "0.1,10",
                                 "sw_width": "4,64", "sw_depth": "3"}))
    no_exception(at)
    assert "runs diverged" in at.warning[0].value
    main = charts_with(at, '"rect"')[0]
    cells = chart_data(main)
    assert (cells.loc[cells["diverged"] > 0, "mark"] == "×").all(), "a × per diverged cell"
    assert (cells.loc[cells["diverged"] == 0, "mark"] == "").all()
    parallel = chart_data(charts_with(at, '"outcome"')[0])
    assert "diverged" in set(parallel["outcome"]), "diverged runs drawn in red, not dropped"
    assert "diverged runs are left out" in texts(at), "the importance says what it left out"
    best = at.dataframe[0].value
    assert len(best) == 4 and best["diverged"].max() == 2


def test_two_axes_draw_one_heatmap_large_enough_to_read_with_its_values_in_the_cells():
    at = run(open_page("Sweep", QUICK))
    no_exception(at)
    maps = charts_with(at, '"rect"')
    assert len(maps) == 1
    spec = json.loads(maps[0].proto.spec)
    assert spec["width"] == {"step": sweep_charts.CELL_WIDTH} and sweep_charts.CELL_WIDTH >= 60
    assert spec["height"] == {"step": sweep_charts.CELL_HEIGHT} and sweep_charts.CELL_HEIGHT >= 36
    assert spec["layer"][0]["encoding"]["x"]["axis"]["labelAngle"] == 0, "labels upright"
    cells = chart_data(maps[0])
    best = at.dataframe[0].value
    for _, row in cells.iterrows():
        mean = best.loc[best["config"] == row["config"], "test loss (mean)"].iloc[0]
        assert row["label"] == f"{mean:.3g}", "each cell shows its own mean test loss"
    assert len(cells) == 4


@pytest.mark.parametrize("axes, values", [("l2", {"sw_l2": "0,0.01"}),
                                          ("batch", {"sw_batch": "0,32"}),
                                          ("depth", {"sw_depth": "1,2"}),
                                          ("dropout", {"sw_dropout": "0,0.5"})])
def test_the_optional_axes_sweep_too(axes, values):
    at = run(open_page("Sweep", {**QUICK, "sw_axes": axes, **values}))
    no_exception(at)
    assert "Best configurations" in subheaders(at)
    assert len(at.dataframe[0].value) == 2


def test_a_sweep_beyond_the_budget_is_refused_with_a_clear_message():
    at = open_page("Sweep", HUGE)
    no_exception(at)
    assert "too large for a shared server" in at.error[0].value
    assert [b for b in at.button if b.label == "Run the sweep"][0].disabled
    settings, _ = decode(HUGE)
    with pytest.raises(ValueError, match="too large"):
        services.sweep_run(settings.sweep)


def test_a_guess_is_shown_against_the_result():
    at = open_page("Sweep", QUICK)
    at.selectbox(key="sweep.guess").set_value(0.1).run()
    at = run(at)
    no_exception(at)
    assert "You guessed learning rate 0.1" in texts(at)


def test_the_highlighted_configuration_can_be_chosen():
    at = run(open_page("Sweep", QUICK))
    box = at.selectbox(key="view.config")
    assert len(box.options) == 4
    box.set_value(box.options[-1]).run()
    no_exception(at)
    curves = charts_with(at, '"selected"')[0]
    drawn = chart_data(curves)
    assert set(drawn.loc[drawn["shown"] == "selected", "config"]) == {box.options[-1]}


WIDGETS = [
    ("selectbox", "w.sw_data", ["circle", "xor", "moons"]),
    ("slider", "w.sw_n", [50, 1000, 100]),
    ("slider", "w.sw_noise", [0.0, 1.0, 0.2]),
    ("multiselect", "w.sw_axes", [["dropout"], ["lr", "l2", "batch"], ["width"]]),
    ("text_input", "w.sw_lr", ["0.01, 1", "0.5"]),
    ("text_input", "w.sw_width", ["1, 64", "3"]),
    ("slider", "w.sw_seeds", [1, 10, 2]),
    ("number_input", "w.sw_epochs", [10, 2000, 20]),
]


@pytest.mark.parametrize("widget, key, values", WIDGETS, ids=[w[1] for w in WIDGETS])
def test_every_sweep_widget_takes_valid_and_edge_values(widget, key, values):
    at = open_page("Sweep", QUICK)
    for value in values:
        set_widget(at, widget, key, value)
    assert "Total work" in texts(at)


def test_the_optional_axes_values_are_typed_too():
    at = open_page("Sweep", {**QUICK, "sw_axes": "l2,batch,depth"})
    for key, value, url in (("w.sw_l2", "0, 0.1", "0.0,0.1"), ("w.sw_batch", "0, 8", "0,8"),
                            ("w.sw_depth", "2", "2")):
        at.text_input(key=key).set_value(value).run()
        no_exception(at)
        assert params(at)[key.removeprefix("w.")] == url


def test_typed_values_that_cannot_be_read_are_noted_and_replaced():
    at = open_page("Sweep", QUICK)
    at.text_input(key="w.sw_lr").set_value("fast, slow").run()
    no_exception(at)
    assert "cannot be read" in texts(at)
    at.text_input(key="w.sw_lr").set_value("0.1, 100").run()
    assert "above the largest allowed" in texts(at)
    assert params(at)["sw_lr"] == "0.1,10.0"


def test_configurations_that_differ_in_the_seventh_digit_get_different_labels():
    first = sweep_tables.config_label(("learning_rate",), (0.1234567,))
    second = sweep_tables.config_label(("learning_rate",), (0.1234568,))
    assert first == "learning rate 0.1234567" and second == "learning rate 0.1234568"
    assert sweep_tables.config_label(("learning_rate", "dropout"), (0.1, 0.0)) == \
        "learning rate 0.1, dropout 0"


def test_typed_and_linked_values_keep_every_digit():
    """A learning rate typed with nine digits stays exactly that in the box, the URL and the
    sweep: the box is refilled from the setting, so rounding it for show would change it."""
    at = open_page("Sweep", {**QUICK, "sw_lr": "0.123456789,0.5", "sw_dropout": "0.1234567"})
    no_exception(at)
    assert not at.warning
    assert at.text_input(key="w.sw_lr").value == "0.123456789, 0.5"
    assert params(at)["sw_lr"] == "0.123456789,0.5"
    assert params(at)["sw_dropout"] == "0.1234567"
    at.text_input(key="w.sw_lr").set_value("0.0123456789, 1.23456789").run()
    assert params(at)["sw_lr"] == "0.0123456789,1.23456789"
    assert at.text_input(key="w.sw_lr").value == "0.0123456789, 1.23456789"


@pytest.mark.parametrize("page, key", [("Sweep", "sw_noise"), ("Splits", "sp_noise")])
def test_a_negative_zero_noise_in_a_link_reads_as_zero(page, key):
    at = open_page(page, {**QUICK, key: "-0"})
    no_exception(at)
    assert params(at)[key] == "0.0"


def test_sweep_settings_round_trip_through_the_url():
    settings = SweepSettings(dataset="xor", n_samples=300, noise=0.35, axes=("dropout", "l2"),
                             learning_rates=(0.001, 0.5), widths=(3, 7), dropouts=(0.1, 0.4),
                             l2s=(0.0, 0.02), batches=(0, 10), depths=(2,), seeds=7, epochs=55)
    assert_round_trip("Sweep", sweep=settings)


def test_a_tampered_sweep_link_is_clamped_with_notes():
    at = open_page("Sweep", {"sw_seeds": "50", "sw_axes": "lr,speed", "sw_width": "0,999",
                             "sw_epochs": "x", "sw_lr": ""})
    no_exception(at)
    note = shown(at.warning[0].value)
    for fragment in ("number of seeds 50", "Unknown sweep axes", "swept hidden units 0",
                     "sweep epochs"):
        assert fragment in note
    assert params(at)["sw_seeds"] == "10" and params(at)["sw_width"] == "1,64"


def test_a_link_with_run_reproduces_the_sweep():
    first = run(open_page("Sweep", QUICK))
    second = open_page("Sweep", {**params(first), "run": "1"})
    no_exception(second)
    assert second.dataframe[0].value.equals(first.dataframe[0].value)


def test_changing_a_setting_after_a_sweep_marks_the_result_as_earlier():
    at = run(open_page("Sweep", QUICK))
    at.slider(key="w.sw_seeds").set_value(3).run()
    assert any("settings changed since this sweep" in i.value for i in at.info)
    assert "Best configurations" in subheaders(at)


def test_teacher_mode_hides_and_locks_what_it_names():
    at = open_page("Sweep", {**QUICK, "hide": "sw_axes,sw_data,guess,verdict,importance,"
                                              "parallel,downloads,link", "lock": "sw_seeds"})
    no_exception(at)
    assert not at.multiselect and "w.sw_data" not in {s.key for s in at.selectbox}
    assert at.slider(key="w.sw_seeds").disabled
    at = run(at)
    no_exception(at)
    shown = subheaders(at)
    assert "Is the best really better?" not in shown and "Every run at once" not in shown
    assert "Which setting mattered most?" not in shown
    assert "Best configurations" in shown
    assert not at.download_button and not at.code
    assert not at.expander or all("Teacher" not in e.label for e in at.expander)


def test_a_stopped_sweep_keeps_its_finished_runs_and_is_never_cached():
    class Interruption(BaseException):
        pass

    def draw(progress):
        if progress.runs_done >= 1:
            raise Interruption()

    settings = SweepSettings(axes=("width",), widths=(2, 4, 8), seeds=2, epochs=200)
    kept = []
    with pytest.raises(Interruption):
        services.sweep_run(settings, live=LiveProgress(draw, interval=0.0, runs=LiveRuns()),
                           on_stop=kept.append)
    stopped = kept[0]
    assert stopped.cancelled and 0 < len(stopped.records) < stopped.runs_total
    assert not services.sweep_run(settings).cancelled
    # The page says its link runs the whole sweep rather than claiming to share this result.
    at = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    for key, value in encode(LabState(sweep=settings)).items():
        at.query_params[key] = value
    at.session_state["lab.sweep"] = session.KeptSweep(settings, stopped)
    at.switch_page(PAGES["Sweep"]).run()
    no_exception(at)
    assert "was stopped before it finished" in texts(at) and "runs the whole sweep" in texts(at)
    changed = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    for key, value in encode(LabState(sweep=replace(settings, seeds=3))).items():
        changed.query_params[key] = value
    changed.session_state["lab.sweep"] = session.KeptSweep(settings, stopped)
    changed.switch_page(PAGES["Sweep"]).run()
    assert "settings changed since this sweep" in texts(changed)
    assert "was stopped before it finished" not in texts(changed)


def test_the_progress_text_counts_runs_and_estimates_the_time_left():
    from nncore.executors import SweepProgress
    assert sweep_tables.progress_text(SweepProgress(3, 10, 100, 400, 2.0)) == \
        "Run 3 of 10 finished · about 6 s left"
    assert "under a second" in sweep_tables.progress_text(SweepProgress(9, 10, 390, 400, 2.0))


def test_the_verdict_separates_clear_winners_from_noise():
    at = run(open_page("Sweep", {**QUICK, "sw_axes": "lr", "sw_lr": "0.0001,1.0",
                                 "sw_seeds": "3", "sw_epochs": "100"}))
    assert "beats" in texts(at), "a learning rate that barely moves loses clearly"
    same = run(open_page("Sweep", {**QUICK, "sw_axes": "dropout", "sw_dropout": "0,0.01",
                                   "sw_seeds": "3"}))
    assert "within the seed-to-seed noise" in texts(same)
