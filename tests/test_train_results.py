"""The Train page's results as a new user finds them (issue #15, item 7): every caption quotes
the numbers its chart or the metric cards show, and says only what those numbers say; the charts
carry their values (gradient check), tile the plane (decision boundary), name what they show
(weights) and do not force 0 onto data axes; downloads are files, not deferred callables; a
seed preset's run is set beside what its post reports."""
import csv
import io
import json
import re
from dataclasses import replace

import numpy as np
import pytest
from app_testing import chart_spec
from app_testing import charts as page_charts
from app_testing import (fresh_caches, metrics, no_exception, open_page,  # noqa: F401
                         open_section, texts, train)

from labapp.compute import run_captions
from labapp.compute.run_report import metric_cards, shown_number
from labapp.settings.dataset_names import PRESET_SETS
from labapp.settings.page_settings import DataSettings, TrainSettings
from labapp.settings.seed_presets import POST_REPORTS, preset_differences, preset_state
from labapp.settings.url_state import encode
from labapp.ui import services
from labapp.ui.run_results import INSIDE, download_files, weight_labels
from labapp.views import charts, run_charts

ADAM_AT_10 = TrainSettings(optimizer="adam", learning_rate=10.0, epochs=300)
#: SGD at learning rate 10 with two ReLU layers on iris: the loss jumps, a layer dies, and the
#: curve ends near where it began.
SGD_RELU_AT_10 = TrainSettings(optimizer="sgd", learning_rate=10.0, hidden=(8, 8),
                               activations=("relu", "relu"), epochs=300)


def _spec_rows(spec: dict, name_part: str | None = None) -> list[dict]:
    """The rows of the (first) dataset of an Altair spec holding ``name_part`` as a field."""
    for rows in spec["datasets"].values():
        if name_part is None or (rows and name_part in rows[0]):
            return rows
    raise AssertionError(f"no dataset with {name_part!r}")


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


# ---------------------------------------------------------------- gradient check chart
def test_the_gradient_check_bars_carry_the_errors_from_a_positive_floor():
    errors = {"W1": 3e-9, "b1": 1e-10, "W2": 2e-9, "b2": 0.0}
    spec = charts.gradcheck_bars(errors).to_dict()
    bars = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "bar")
    y, y2 = bars["encoding"]["y"], bars["encoding"].get("y2")
    assert y["scale"]["type"] == "log"
    assert y2 is not None, "a bar on a log axis needs a base above 0, or it is drawn empty"
    rows = _spec_rows(spec, "parameter")
    assert [row["parameter"] for row in rows] == list(errors)
    assert [row[y["field"]] for row in rows] == [3e-9, 1e-10, 2e-9, charts.GRADCHECK_FLOOR]
    assert all(0 < row[y2["field"]] <= row[y["field"]] for row in rows)
    assert "relative error, y" not in json.dumps(spec), "one axis title, not two merged"


# ---------------------------------------------------------------- which way the learning rate
def test_sgd_with_relu_at_learning_rate_10_is_never_told_to_raise_it():
    """The curve of the issue's run (iris, SGD at 10, two ReLU layers): the loss jumps to 10,
    a layer dies, and the curve ends near where it began. The old captions read "barely moved"
    and advised a larger learning rate."""
    run = services.train_run(DataSettings(dataset="iris"), SGD_RELU_AT_10)
    curve = np.array([2.197, 10.05, 3.727, 2.81, 2.047, 2.132, 2.148, 2.291])
    dead = np.tile([0.0, 1.0], (len(curve), 1))
    result = replace(run.result, diverged=False, history=replace(
        run.result.history, train_loss=curve, test_loss=curve + 0.1, dead_fraction=dead))
    warning = run_captions.stall_warning(result, (8, 8), 10.0)
    caption = run_captions.loss_caption(result, None, False, 10.0)
    for text in (warning, caption):
        assert "larger learning rate" not in text and "too small" not in text
        assert "too large" in text
        assert "10.05" in text and "epoch 2" in text, "the jump, as plotted"
    assert "a whole ReLU layer outputs 0" in warning


def test_a_flat_curve_blames_a_small_learning_rate_only_when_it_is_small():
    run = services.train_run(DataSettings(), TrainSettings(epochs=5))
    flat = replace(run.result, history=replace(run.result.history,
                                               train_loss=np.array([1.0, 0.999, 0.998])))
    small = run_captions.stall_warning(flat, (8,), 0.001)
    large = run_captions.stall_warning(flat, (8,), 10.0)
    assert "larger learning rate" in small
    assert "larger learning rate" not in large and "smaller learning rate" in large
    assert "too small" in run_captions.loss_caption(flat, None, False, 0.001)
    assert "too small" not in run_captions.loss_caption(flat, None, False, 10.0)


# ---------------------------------------------------------------- captions quote the cards
def _numbers(text: str) -> set[str]:
    return set(re.findall(r"-?\d[\d.]*(?:e[+-]\d+)?", text))


def test_the_loss_caption_quotes_the_cards_and_says_which_number_is_which():
    run = services.train_run(DataSettings(), ADAM_AT_10)
    history, cards = run.result.history, metric_cards(run.result, run.report)
    last_point = shown_number(history.train_loss[-1])
    assert last_point != cards["Training loss"], "the case in the issue: they differ"
    for text in (run_captions.loss_caption(run.result, None, False, 10.0),
                 run_captions.stall_warning(run.result, (8, 8), 10.0)):
        assert f"to {last_point} (epoch {len(history.train_loss)})" in text
        assert f"Training loss card, {cards['Training loss']}," in text
        plotted = {shown_number(v) for v in (*history.train_loss, *history.test_loss)}
        quoted = _numbers(text) - {str(len(history.train_loss)), "1"}
        assert quoted <= plotted | set(cards.values()), quoted - plotted - set(cards.values())


# ---------------------------------------------------------------- the dash and the outcome
def test_the_dash_is_explained_only_when_a_card_shows_one():
    with_test = train(open_page("Train", {"epochs": "20"}))
    no_exception(with_test)
    assert "—" not in metrics(with_test).values()
    assert "no test rows" not in texts(with_test)
    without = train(open_page("Train", {"data": "seed_001", "loss": "sse", "out": "identity",
                                        "epochs": "20", "scaler": "none"}))
    assert metrics(without)["Test loss"] == "—"
    assert "— means there are no test rows" in texts(without)
    overflowed = run_captions.cards_caption("mse", True, {"Test loss": "—"})
    assert "no test rows" not in overflowed and "not a finite number" in overflowed


def test_a_divergence_says_so_once():
    """The page shows :func:`run_captions.outcome_message` in its red box; it used to put "The
    training diverged." before the engine's "Training diverged: …"."""
    run = services.train_run(DataSettings(dataset="boston", scale_target=False),
                             TrainSettings(loss="sse", output="identity", optimizer="sgd",
                                           learning_rate=10.0, epochs=50))
    assert run.result.diverged
    message = run_captions.outcome_message(run.result)
    assert message.lower().count("diverged") == 1, message
    assert message.startswith(run.result.message) and "before it blew up" in message


# ---------------------------------------------------------------- captions from the charts
def _curve_points(spec: dict) -> dict[str, list[float]]:
    """The plotted values of each curve of a line chart (a Vega-Lite dict, its data a frame)."""
    points = {}
    for row in spec["data"].to_dict("records"):
        points.setdefault(row["curve"], []).append(row["value"])
    return points


def test_the_dead_unit_caption_reads_the_plotted_shares():
    """Seed post 001's network ends with a quarter of its ReLU units dead, half at worst: the
    caption gives those shares (it used to say "few dead units")."""
    state = preset_state("seed_001")
    run = services.train_run(state.data, state.train)
    dead = run.result.history.dead_fraction
    spec = run_charts.layer_curves(dead, "hidden layer", "share", log=False, numbers=[1])
    plotted = _curve_points(spec)["hidden layer 1"]
    caption = run_captions.dead_caption(dead, [1])
    assert 0.25 <= plotted[-1] <= 0.75 or max(plotted) >= 0.25
    assert "Few" not in caption and "few" not in caption
    assert f"{plotted[-1]:.0%} in hidden layer 1" in caption
    if max(plotted) > plotted[-1]:
        assert f"{max(plotted):.0%} in hidden layer 1 at epoch " \
               f"{int(np.argmax(plotted)) + 1}" in caption


def test_the_dead_units_keep_their_layer_numbers_in_chart_and_caption():
    dead = np.array([[0.0, 0.25], [0.0, 0.5]])[:, [1]]           # layer 1 tanh, layer 2 ReLU
    spec = run_charts.layer_curves(dead, "hidden layer", "share", log=False, numbers=[2])
    assert set(_curve_points(spec)) == {"hidden layer 2"}
    caption = run_captions.dead_caption(dead, [2])
    assert "50% in hidden layer 2" in caption and "hidden layer 1" not in caption
    assert "Half or more" in caption, "advice once half a layer is dead"
    assert "No unit was dead" in run_captions.dead_caption(np.zeros((3, 2)))


@pytest.mark.parametrize("settings", [TrainSettings(epochs=60), ADAM_AT_10],
                         ids=["default", "adam-at-10"])
def test_the_gradient_caption_quotes_the_plotted_norms(settings):
    run = services.train_run(DataSettings(), settings)
    grads = run.result.history.grad_norm
    spec = run_charts.layer_curves(grads, "layer", "norm", log=True)
    plotted = _curve_points(spec)
    caption = run_captions.gradient_caption(grads)
    quoted = re.findall(r"layer (\d+): ([-\d.e+]+)(?: → ([-\d.e+]+))?", caption)
    assert len(quoted) == grads.shape[1]
    for layer, first_or_last, last in quoted:
        curve = plotted[f"layer {layer}"]
        if last:
            assert (first_or_last, last) == (f"{curve[0]:.3g}", f"{curve[-1]:.3g}")
        else:
            assert first_or_last == f"{curve[-1]:.3g}"
    ends = [plotted[f"layer {n}"][-1] for n in range(1, grads.shape[1] + 1)]
    starts = [plotted[f"layer {n}"][0] for n in range(1, grads.shape[1] + 1)]
    if "Every layer's gradient shrank" in caption:
        assert all(e < s for s, e in zip(starts, ends))
    if "vanishes" in caption:
        assert ends[0] < 1e-2 * ends[-1]


# ---------------------------------------------------------------- downloads
def test_downloads_are_files_that_do_not_rerun_the_page():
    """A callable (deferred) download gets a new id on every rerun and the old one is dropped
    when the rerun ends, so the Weights button clicked right after History found nothing."""
    at = train(open_page("Train", {"epochs": "20"}))
    buttons = at.download_button
    assert [b.label for b in buttons] == ["History (CSV)", "Weights (.npz)",
                                         "Reproduction script (.py)"]
    for button in buttons:
        assert not button.proto.HasField("deferred_file_id") and button.proto.url
        assert button.proto.ignore_rerun


def test_the_downloaded_files_hold_the_run():
    run = services.train_run(DataSettings(), TrainSettings(epochs=20))
    files = download_files(run)
    rows = list(csv.DictReader(io.StringIO(files["history.csv"].decode())))
    assert [float(r["train_loss"]) for r in rows] == list(run.result.history.train_loss)
    saved = np.load(io.BytesIO(files["weights.npz"]))
    stored = [saved[k] for k in sorted(saved.files) if k.startswith("W")]
    assert len(stored) == len(run.net.weights)
    assert all(any(np.array_equal(s, w) for s in stored) for w in run.net.weights)
    compile(files["reproduce_run.py"].decode(), "reproduce_run.py", "exec")


# ---------------------------------------------------------------- charts of data
def test_the_decision_boundary_is_square_and_its_cells_tile_the_plane():
    run = services.train_run(DataSettings(dataset="moons"), TrainSettings(epochs=20))
    spec = chart_spec(run_charts.decision_boundary(run.report.grid, run.plan.facts.class_names))
    cells = _spec_rows(spec, "x1_end")
    background = _layers(spec)[0]["encoding"]
    x_domain, y_domain = background["x"]["scale"]["domain"], background["y"]["scale"]["domain"]
    for low, high, domain in (("x1", "x1_end", x_domain), ("x2", "x2_end", y_domain)):
        edges = sorted({(c[low], c[high]) for c in cells})
        assert edges[0][0] == domain[0] and edges[-1][1] == domain[1]
        for (_, end), (start, _) in zip(edges, edges[1:]):
            assert end == start, "no gap and no overlap between neighbouring cells"
        grid = run.report.grid.x1 if low == "x1" else run.report.grid.x2
        assert len(edges) == len(np.unique(grid))
    per_unit = (spec["width"] / (x_domain[1] - x_domain[0]),
                spec["height"] / (y_domain[1] - y_domain[0]))
    assert per_unit[0] == pytest.approx(per_unit[1], rel=0.01), "one data unit, one length"
    for layer in _layers(spec):
        for axis in ("x", "y"):
            assert layer["encoding"][axis]["scale"]["zero"] is False


def test_predictions_do_not_force_zero_onto_the_axes():
    actual, predicted = np.array([20.0, 30.0, 40.0]), np.array([22.0, 28.0, 41.0])
    spec = charts.predicted_vs_actual(actual, predicted, np.array(["train"] * 3), "y").to_dict()
    line = next(rows for rows in spec["datasets"].values() if len(rows) == 2)
    assert [p["actual"] for p in line] == [20.0, 41.0], "y = x spans the values, not 0"
    for layer in _layers(spec):
        assert layer["encoding"]["x"]["scale"]["zero"] is False
        assert layer["encoding"]["y"]["scale"]["zero"] is False


def test_weight_heatmaps_name_the_features_and_the_hidden_units():
    at = open_section(train(open_page("Train", {"data": "boston", "epochs": "10"})), INSIDE)
    no_exception(at)
    specs = [json.loads(c.proto.spec) for c in page_charts(at)]
    titled = {str(s.get("title")): s for s in specs}
    w1 = next(s for t, s in titled.items() if t.startswith("W1"))
    w2 = next(s for t, s in titled.items() if t.startswith("W2"))
    run = services.train_run(DataSettings(dataset="boston"),
                             replace(TrainSettings(epochs=10), loss="mse", output="identity"))
    features = list(run.plan.facts.feature_names)
    assert w1["encoding"]["y"]["sort"] == features
    assert w2["encoding"]["y"]["sort"] == [f"h{i}" for i in range(1, run.net.weights[1].shape[0]
                                                                  + 1)]
    assert weight_labels(run.plan, 3, run.net.weights[2].shape)[1] == \
        list(run.plan.facts.target_names)


# ---------------------------------------------------------------- what the post reported
def test_every_preset_has_what_its_post_reports():
    assert set(POST_REPORTS) == set(PRESET_SETS)
    for key in PRESET_SETS:
        state = preset_state(key)
        assert preset_differences(state.data, state.train, state.train.epochs) == []
        faster = replace(state.train, learning_rate=state.train.learning_rate * 10)
        assert preset_differences(state.data, faster, faster.epochs) == ["learning rate"]
    assert preset_differences(DataSettings(), TrainSettings(), 300) is None


def test_the_seed_001_run_is_set_beside_what_its_post_reports():
    at = open_page("Train", {**encode(preset_state("seed_001")), "run": "1"})
    no_exception(at)
    cards = metrics(at)
    line = next(i.value for i in at.info if "The post reports" in i.value)
    assert "reports no final error" in line and "with the post's data and settings" in line
    assert f"Training R² {cards['Training R²']}" in line
    assert f"Training loss {cards['Training loss']}" in line
    if cards["Training R²"].startswith("-"):
        assert "below 0" in line
    changed = open_page("Train", {**encode(preset_state("seed_001")), "lr": "0.0001",
                                  "epochs": "20", "run": "1"})
    line = next(i.value for i in changed.info if "The post reports" in i.value)
    assert "changed the post's settings (learning rate, number of epochs)" in line
    assert not any("The post reports" in i.value
                   for i in train(open_page("Train", {"epochs": "5"})).info)
