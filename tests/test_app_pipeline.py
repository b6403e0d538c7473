"""The app's Streamlit-free parts: data to runs, presets, the reproduction script, the caps,
equations, the network picture, captions, charts and the live-progress stop."""
import contextlib
import hashlib
import io
import os
from dataclasses import replace

import altair as alt
import numpy as np
import pytest

import nncore
from labapp.compute import data_profile
from labapp.compute.equations import NetworkShape, backward_latex, forward_latex, parameter_rows
from labapp.compute.prepare import prepare
from labapp.compute.reproduction_script import CSV_NAME, reproduction_script
from labapp.compute.run_captions import (dead_caption, gradcheck_caption, gradient_caption,
                                         loss_caption, stall_warning)
from labapp.compute.run_plan import plan
from labapp.compute.runs import execute
from labapp.compute.tasks import fit_to_task
from labapp.data import DataError
from labapp.data.lab_table import load_table
from labapp.data.uploads import Upload
from labapp.settings.page_settings import DataSettings, TrainSettings, checked
from labapp.settings.seed_presets import preset_state
from labapp.ui.live_progress import LiveProgress, LiveRuns
from labapp.views import charts, run_charts
from app_testing import chart_spec

CSV = b"size,colour,price\n" + b"".join(
    f"{i % 7 + 1},{'red' if i % 3 else 'blue'},{10 + 3 * (i % 7) + (i % 3)}\n".encode()
    for i in range(60))


def _prepared(data: DataSettings, upload: Upload | None = None):
    return prepare(load_table(data, upload))


def _run(data: DataSettings, train: TrainSettings, raw=None, callback=None):
    """The data line from settings to a run, as the services call it: ``(prepared, run)``."""
    upload = None if raw is None else Upload.read(raw)
    if upload is not None:
        data = replace(data, upload=upload.digest)
    ready = _prepared(data, upload)
    return ready, execute(ready, plan(ready, train), callback)


@pytest.mark.parametrize("key, epochs", [("seed_001", None), ("seed_003", None),
                                         ("seed_002", 40)])
def test_presets_train_exactly_as_the_engine_preset(key, epochs):
    state = preset_state(key)
    assert checked(state.train) == (state.train, [])
    preset = nncore.presets.PRESETS[key]()
    train = state.train if epochs is None else replace(state.train, epochs=epochs)
    config = preset.config if epochs is None else preset.config.replace(epochs=epochs)
    _, run = _run(state.data, train)
    net = preset.build()
    expected = nncore.train(net, preset.X_train, preset.T_train, config,
                            X_test=preset.X_test, T_test=preset.T_test)
    assert run.plan.cap_notes == () and run.plan.task_notes == ()
    assert run.result.final_train_loss == expected.final_train_loss
    np.testing.assert_array_equal(run.result.history.train_loss, expected.history.train_loss)
    for ours, theirs in zip(run.net.weights, net.weights):
        np.testing.assert_array_equal(ours, theirs)


SCRIPT_CASES = [
    (DataSettings(), TrainSettings(epochs=20)),
    (DataSettings(dataset="diabetes", scale_target=True), TrainSettings(epochs=15, batch_size=32)),
    (DataSettings(dataset="blobs", n_classes=4, features=("x1", "x2", "x1*x2")),
     TrainSettings(loss="ce", output="softmax", epochs=10, dropout=0.2, l2=1e-3)),
    (DataSettings(dataset="seed_003", scaler="none", scale_target=False),
     preset_state("seed_003").train),
    (DataSettings(dataset="upload", csv_target="price", upload="x"),
     TrainSettings(loss="mse", output="identity", epochs=25, optimizer="momentum")),
]


@pytest.mark.parametrize("data, train", SCRIPT_CASES)
def test_the_script_reproduces_the_run_bit_for_bit(data, train, tmp_path):
    _, run = _run(data, train, CSV)
    source = reproduction_script(run)
    (tmp_path / CSV_NAME).write_bytes(CSV)
    here, namespace = os.getcwd(), {}
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            exec(compile(source, "reproduce_run.py", "exec"), namespace)
    finally:
        os.chdir(here)
    result = namespace["result"]
    assert result.final_train_loss == run.result.final_train_loss
    assert np.array_equal(result.final_test_loss, run.result.final_test_loss, equal_nan=True)
    assert "final training loss" in printed.getvalue()


def test_a_stopped_run_is_reproduced_by_training_its_epochs(tmp_path):
    _, stopped = _run(DataSettings(), TrainSettings(epochs=100), callback=lambda p: p.epoch >= 30)
    assert stopped.result.stop_reason == "callback"
    source = reproduction_script(stopped)
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, "reproduce_run.py", "exec"), namespace)
    assert namespace["result"].final_train_loss == stopped.result.final_train_loss


def test_the_work_cap_cuts_epochs_with_a_note():
    data = DataSettings(n_samples=5000)
    train = TrainSettings(hidden=(64,) * 4, activations=("relu",) * 4, epochs=5000)
    the_plan = plan(_prepared(data), train)
    assert 1 <= the_plan.config.epochs < 5000 and the_plan.problem is None
    assert the_plan.cap_notes and "epochs" in the_plan.cap_notes[0]


def test_a_plan_runs_only_on_the_data_it_was_made_for():
    """The data line goes one way: a run gets its data and the plan made from that data."""
    ready = _prepared(DataSettings())
    made_elsewhere = plan(_prepared(DataSettings(data_seed=1)), TrainSettings(epochs=5))
    assert made_elsewhere.data == DataSettings(data_seed=1)
    with pytest.raises(ValueError, match="other data"):
        execute(ready, made_elsewhere)
    assert execute(ready, plan(ready, TrainSettings(epochs=5))).plan.data == DataSettings()


def test_a_loss_that_does_not_suit_the_task_is_replaced():
    fitted, notes = fit_to_task(TrainSettings(loss="bce"), "regression", 0, "Boston")
    assert (fitted.loss, fitted.output) == ("mse", "identity") and "regression" in notes[0]
    fitted, notes = fit_to_task(TrainSettings(loss="ce", output="identity"), "classification",
                                3, "iris")
    assert fitted.output == "softmax" and notes
    assert fit_to_task(TrainSettings(), "classification", 2, "circle") == \
        (TrainSettings(usual_loss="bce"), [])     # auto stands for bce here, already sigmoid


def test_an_uploaded_file_is_needed_and_its_problems_are_plain_sentences():
    with pytest.raises(DataError, match="No file"):
        load_table(DataSettings(dataset="upload"))
    unfit = Upload.read(b"only,a,header\n")
    with pytest.raises(DataError, match="header row but no data rows"):
        load_table(DataSettings(dataset="upload", upload=unfit.digest), unfit)
    upload = Upload.read(CSV)
    table = load_table(DataSettings(dataset="upload", upload=upload.digest), upload)
    assert table.task == "regression" and table.csv_columns == ("size", "colour", "price")


def test_an_upload_is_used_only_for_the_settings_that_name_its_digest():
    """Settings made with one file never load another file's rows (the cache-poisoning case)."""
    first, second = Upload.read(CSV), Upload.read(CSV.replace(b"price", b"cost"))
    assert first.digest == hashlib.sha256(CSV).hexdigest() != second.digest
    made_with_first = DataSettings(dataset="upload", upload=first.digest)
    with pytest.raises(DataError, match="another uploaded file"):
        load_table(made_with_first, second)
    assert load_table(made_with_first, first).target_names == ("price",)


def test_reports_describe_both_tasks():
    ready, run = _run(DataSettings(), TrainSettings(epochs=50))
    report = run.report
    assert report.metric_name == "accuracy" and report.confusion.sum() == len(ready.test_rows)
    assert report.grid is not None and len(report.grid.points) == len(ready.table.X)
    ready, run = _run(DataSettings(dataset="boston"),
                      TrainSettings(loss="mse", output="identity", epochs=50))
    assert run.report.metric_name == "R²" and run.report.grid is None
    assert run.report.predicted.shape == (len(ready.table.X), 1)
    assert 0.0 < run.report.test_metric <= 1.0


def test_a_diverged_run_reports_nan_metrics_instead_of_raising():
    _, run = _run(DataSettings(dataset="boston", scale_target=False),
                  TrainSettings(loss="sse", output="identity", learning_rate=10.0, epochs=50,
                                optimizer="sgd"))
    assert run.result.diverged and "learning rate" in run.result.message
    assert "blew up" in loss_caption(run.result, None, False)


def test_equations_carry_the_actual_shapes():
    shape = NetworkShape.from_network({"sizes": [2, 8, 1], "activation": ["relu"],
                                       "output": "sigmoid", "bias": True}, "bce", 150)
    forward, backward = forward_latex(shape), backward_latex(shape)
    assert r"Z_{1} &= X_{0} W_{1} + b_{1} &&: (150, 2)\cdot(2, 8) + (8,) \to (150, 8)" in forward
    assert r"\mathrm{sigmoid}(Z_{2})" in forward
    assert r"(2, 150)\cdot(150, 8) \to (2, 8)" in backward
    assert r"(150, 1)\cdot(1, 8) \to (150, 8)" in backward
    assert [row["parameters"] for row in parameter_rows(shape)] == [24, 9]
    no_bias = replace(shape, bias=(False, False))
    assert "b_{1}" not in forward_latex(no_bias) and "b_{1}" not in backward_latex(no_bias)


def test_captions_explain_what_the_curves_show():
    grads = np.array([[1e-5, 1e-1], [1e-6, 1e-1]])
    assert "vanishes" in gradient_caption(grads)
    assert "dead" in dead_caption(np.array([[0.1], [0.75]]))
    assert "agree" in gradcheck_caption({"W1": 1e-9, "b1": 2e-10})
    assert "unreliable" in gradcheck_caption({"W1": 0.3})
    _, run = _run(DataSettings(dataset="spiral", noise=0.3),
                  TrainSettings(hidden=(64, 64), activations=("relu", "relu"), epochs=400,
                                learning_rate=0.03))
    assert "overfitting" in loss_caption(run.result, None, False)


def test_a_loss_that_rises_is_blamed_on_a_large_learning_rate_not_a_small_one():
    """RMSProp at learning rate 10 overshoots without overflowing: the loss ends far above its
    start. Saying "too small" or "barely moved" would send the student the wrong way."""
    _, run = _run(DataSettings(), TrainSettings(learning_rate=10.0, optimizer="rmsprop",
                                                epochs=300))
    result = run.result
    train = result.history.train_loss
    assert not result.diverged and train[-1] > 2 * train[0]
    warning = stall_warning(result, run.plan.network["sizes"][1:-1])
    assert "went up" in warning and "too large" in warning and "too small" not in warning
    caption = loss_caption(result, None, False)
    assert "ended higher" in caption and "barely moved" not in caption


def test_a_layer_without_gradient_is_said_to_get_none():
    caption = gradient_caption(np.array([[0.5, 0.2], [0.0, 0.3]]))
    assert "exactly 0" in caption and "inf" not in caption


def test_live_progress_turns_an_interruption_into_a_clean_stop():
    class Interruption(BaseException):
        pass

    drawn = []

    def draw(progress):
        drawn.append(progress.epoch)
        if progress.epoch >= 20:
            raise Interruption()

    live = LiveProgress(draw, interval=0.0, runs=LiveRuns())
    data = DataSettings()
    _, run = _run(data, TrainSettings(epochs=200), callback=live)
    assert isinstance(live.interruption, Interruption)
    assert run.result.stop_reason == "callback" and run.result.epochs_run == 20
    assert drawn[-1] == 20
    frames = []
    quiet = LiveProgress(lambda progress: frames.append(progress.epoch), interval=1e9)
    _run(data, TrainSettings(epochs=50), callback=quiet)
    assert quiet.interruption is None and frames == [1]     # only the first frame


def test_every_chart_builds_a_vega_lite_spec():
    ready, run = _run(DataSettings(dataset="blobs", n_classes=3),
                      TrainSettings(loss="ce", output="softmax", epochs=20))
    history, table = run.result.history, ready.table
    lines = [run_charts.loss_curves(history.train_loss, history.test_loss, "ce"),
             run_charts.metric_curves(history.train_metric, history.test_metric, "accuracy"),
             run_charts.layer_curves(history.grad_norm, "layer", "norm", log=True),
             run_charts.loss_curves(np.array([]), np.array([]), "mse")]
    for spec, rows in zip(lines, (2 * 20, 2 * 20, 3 * 20, 0)):
        assert spec["mark"]["type"] == "line" and len(spec["data"]) == rows
        assert {e["field"] for e in spec["encoding"].values() if isinstance(e, dict)} == \
            {"epoch", "value", "curve"}
        assert set(spec["data"].columns) == {"epoch", "value", "curve"}
    built = [
        run_charts.confusion_heatmap(run.report.confusion, table.class_names),
        run_charts.decision_boundary(run.report.grid, table.class_names),
        charts.matrix_heatmap(run.net.weights[0], "W1", "input", "unit"),
        charts.gradcheck_bars({"W1": 1e-9, "b1": 0.0}),
        charts.histogram(table.X[:, 0], "x1"),
        charts.feature_vs_target(table.X[:, 0], table.labels, "x.1", "class", True),
        run_charts.scatter_2d(**data_profile.split_points(ready)),
        run_charts.scatter_2d(np.zeros((3, 2)), np.array(["train", "test", "train"]),
                          values=np.arange(3.0)),
        charts.raw_vs_scaled(table.X[:, 0], ready.scale_features(table.X)[:, 0], "x1"),
        charts.predicted_vs_actual(np.arange(5.0), np.arange(5.0) + 1, np.array(["train"] * 5),
                                   "y"),
    ]
    for chart in built + lines:             # each one valid Vega-Lite, Altair's or a dict
        assert isinstance(chart, (alt.TopLevelMixin, dict))
        assert chart_spec(chart)


def test_large_weight_matrices_draw_their_first_64_rows_and_columns_and_say_so():
    weights = np.arange(256 * 100, dtype=float).reshape(256, 100)
    spec = charts.matrix_heatmap(weights, "W3: (256, 100)", "input", "unit").to_dict()
    cells = spec["datasets"][next(iter(spec["datasets"]))]
    assert len(cells) == 64 * 64
    assert {c["row"] for c in cells} == {str(i) for i in range(1, 65)}
    corner = next(c for c in cells if c["row"] == "64" and c["column"] == "64")
    assert corner["value"] == weights[63, 63]
    assert "the first 64 × 64 shown" in str(spec["title"])
    small = charts.matrix_heatmap(np.ones((3, 8)), "W1: (3, 8)", "input", "unit").to_dict()
    assert len(small["datasets"][next(iter(small["datasets"]))]) == 24
    assert "shown" not in str(small["title"])


def test_profile_summaries():
    table = load_table(DataSettings(dataset="iris"))
    stats = data_profile.column_stats(table)
    assert list(stats.index)[:4] == list(table.feature_names) and "median" in stats.columns
    assert data_profile.correlations(table).shape == (5, 5)
    assert len(data_profile.preview(table)) == min(data_profile.PREVIEW_ROWS, 150)
    summary = data_profile.scaling_summary(prepare(table))
    assert np.allclose(summary["scaled min"].to_numpy() * summary["scale (divided by)"] +
                       summary["offset (subtracted)"], summary["raw min"].to_numpy(), atol=1e-9)


def test_live_frames_grow_rarer_when_drawing_is_slow():
    """On a crowded server a frame takes longer; drawing keeps to its share of the run."""
    now = [0.0]
    frames = []

    def slow_draw(progress):
        frames.append(now[0])
        now[0] += 1.0                       # this frame took a whole second

    live = LiveProgress(slow_draw, interval=0.25, share=0.1, clock=lambda: now[0],
                        runs=LiveRuns(clock=lambda: now[0]))     # drawing alone
    for _ in range(100):                    # a callback every 0.5 s of training
        live(None)
        now[0] += 0.5
    gaps = [b - a for a, b in zip(frames, frames[1:])]
    assert gaps and min(gaps) >= 10.0, "a frame of 1 s is followed by at least 9 s without one"
    assert len(frames) <= 1 + now[0] / 10, "after the first, drawing takes a tenth of the time"
    assert len(frames) >= now[0] / 11.5, "and frames keep coming"
