"""The train page: controls at valid and edge values, results, divergence, downloads, the
gradient check, shareable links, teacher mode, tampered links and the cache."""
from dataclasses import replace

import numpy as np
import pytest
from app_testing import (ENTRY, PAGES, QUICK, TIMEOUT, charts, click, equations,  # noqa: F401
                         fresh_caches, metrics, no_exception, open_page, open_section, params,
                         shown, texts, train)

from labapp.compute import runs
from labapp.server.limits import MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_WIDTH
from labapp.settings.page_settings import DataSettings, TrainSettings
from labapp.settings.url_state import decode
from labapp.ui import services
from labapp.ui.run_results import INSIDE
from labapp.ui.controls import BATCH_SIZES, L2_PENALTIES, LEARNING_RATES


def assert_trained(at) -> None:
    """The page shows a finished run: outcome, four metrics and its charts."""
    no_exception(at)
    shown = metrics(at)
    assert list(shown) == ["Training loss", "Test loss", f"Training {_metric(at)}",
                           f"Test {_metric(at)}"]
    subheaders = [h.value for h in at.subheader]
    assert any(h in subheaders for h in ("Accuracy during training", "R² during training"))
    assert "Weights" not in subheaders, "the weights are drawn only when their section opens"
    assert len(charts(at)) >= 3


def _metric(at) -> str:
    return "R²" if any("Predictions against actual values" == h.value for h in at.subheader) \
        else "accuracy"


def test_before_training_the_page_shows_the_network_and_its_equations():
    at = open_page("Train")
    no_exception(at)
    assert at.title[0].value == "Train a network"
    assert "Not trained yet" in texts(at)
    assert not at.latex, "the equations are drawn only when opened"
    latex = equations(at)
    assert r"(150, 2)\cdot(2, 8) + (8,) \to (150, 8)" in latex
    assert r"\delta_{3}" in latex and r"\mathrm{tanh}'(Z_{2})" in latex
    assert "105 parameters" in texts(at)
    assert len(at.get("image")) == 2
    assert not metrics(at)


def test_training_shows_every_result_view():
    at = train(open_page("Train", QUICK))
    assert_trained(at)
    subheaders = [h.value for h in at.subheader]
    for heading in ("Which classes it confuses", "Decision boundary", "Gradient check",
                    "Downloads"):
        assert heading in subheaders
    inside = [h.value for h in open_section(at, INSIDE).subheader]
    assert "Weights" in inside and "Gradients per layer" in inside
    assert any("Trained for 30 epochs" in s.value for s in at.success)
    assert [d.label for d in at.download_button] == [
        "History (CSV)", "Weights (.npz)", "Reproduction script (.py)"]
    link = next(c.value for c in at.code if c.value.startswith("http"))
    assert link.endswith("/Train?epochs=30&run=1"), "only what differs from the defaults"
    exercise = click(at, "Make the link").code[-1].value
    assert exercise.endswith("/Train?epochs=30"), "the teacher's exercise link opens untrained"
    assert any("W1: (2, 8)" in str(c.proto.spec) for c in charts(at))


def test_the_gradient_check_shows_each_parameters_relative_error():
    at = click(train(open_page("Train", QUICK)), "Check the gradients")
    no_exception(at)
    table = at.dataframe[-1].value
    assert list(table["parameter"]) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert (table["relative error"] < 1e-5).all()
    assert "agree with finite differences" in texts(at)


def test_dead_relu_units_are_charted_for_relu_layers():
    at = train(open_page("Train", {**QUICK, "act": "relu,tanh"}))
    assert_trained(at)
    assert "Dead ReLU units" in [h.value for h in open_section(at, INSIDE).subheader]


def test_a_regression_dataset_switches_the_loss_and_shows_predictions():
    auto = open_page("Train", QUICK)
    auto.selectbox(key="w.data").set_value("boston").run()
    no_exception(auto)
    assert not any("regression task" in i.value for i in auto.info), \
        "auto becomes mse without a note: that is what it means"
    assert auto.selectbox(key="w.loss").value == "auto"
    assert auto.selectbox(key="w.out").value == "identity"
    at = open_page("Train", {**QUICK, "loss": "bce"})
    at.selectbox(key="w.data").set_value("boston").run()
    no_exception(at)
    assert any("regression task" in i.value for i in at.info)
    assert at.selectbox(key="w.loss").value == "mse"
    assert at.selectbox(key="w.out").value == "identity"
    train(at)
    assert_trained(at)
    assert "Predictions against actual values" in [h.value for h in at.subheader]
    assert "Training R²" in metrics(at)


def test_a_preset_without_test_rows_shows_dashes_for_the_test_metrics():
    at = train(open_page("Train", {"data": "seed_001", "loss": "sse", "out": "identity",
                                   "epochs": "20", "scaler": "none"}))
    assert_trained(at)
    assert metrics(at)["Test loss"] == "—"


def test_divergence_is_a_friendly_explanation_not_a_traceback():
    at = train(open_page("Train", {"data": "boston", "loss": "sse", "out": "identity",
                                   "opt": "sgd", "lr": "10", "scale_target": "0",
                                   "epochs": "50"}))
    no_exception(at)
    message = at.error[0].value
    assert "diverged" in message and "learning rate" in message and "epoch" in message
    assert message.lower().count("diverged") == 1, "said once"
    assert "blew up" in texts(at)


WIDGETS = [
    ("slider", "w.hidden", [0, MAX_HIDDEN_LAYERS, 1]),
    ("number_input", "w.hidden.0", [1, MAX_WIDTH, 5]),
    ("selectbox", "w.act.0", ["relu", "leaky_relu", "sigmoid", "identity", "tanh"]),
    ("toggle", "w.bias", [False, True]),
    ("selectbox", "w.loss", ["ce", "mse", "sse", "bce"]),
    ("selectbox", "w.out", ["identity", "tanh", "relu", "leaky_relu", "sigmoid"]),
    ("selectbox", "w.init", ["uniform_pm1", "uniform01", "he", "normal", "glorot"]),
    ("selectbox", "w.opt", ["sgd", "momentum", "nesterov", "rmsprop", "adam"]),
    ("select_slider", "w.lr", [LEARNING_RATES[0], LEARNING_RATES[-1], 0.03]),
    ("slider", "w.epochs", [1, MAX_EPOCHS, 30]),
    ("select_slider", "w.batch", [BATCH_SIZES[1], BATCH_SIZES[-1], 0]),
    ("slider", "w.dropout", [0.9, 0.0]),
    ("slider", "w.dropconnect", [0.9, 0.0]),
    ("select_slider", "w.l2", [L2_PENALTIES[-1], L2_PENALTIES[0]]),
    ("number_input", "w.seed", [1_000_000, 0]),
    ("slider", "w.test", [0.05, 0.95, 0.25]),
    ("number_input", "w.data_seed", [1_000_000, 0]),
    ("selectbox", "w.data", ["xor", "wine", "plane", "circle"]),
]


@pytest.mark.parametrize("widget, key, values", WIDGETS, ids=[w[1] for w in WIDGETS])
def test_every_train_widget_takes_valid_and_edge_values(widget, key, values):
    at = open_page("Train", QUICK)
    for value in values:
        if key == "w.out":
            at.selectbox(key="w.loss").set_value("mse").run()
        getattr(at, widget)(key=key).set_value(value).run()
        no_exception(at)
        assert not at.error, [e.value for e in at.error]
        state, notes = decode(params(at))
        assert notes == [], "the URL always holds valid settings"
    if key != "w.epochs":
        train(at)
        assert_trained(at)


@pytest.mark.parametrize("settings", [
    {"hidden": "1,1,1,1,1,1,1,1,1,1", "act": "sigmoid", "epochs": "5"},
    {"batch": "1", "epochs": "3"},
    {"dropout": "0.9", "dropconnect": "0.9", "l2": "1", "epochs": "5"},
    {"hidden": "", "epochs": "5"},
    {"epochs": "1"},
], ids=["ten-layers-of-width-1", "batch-of-1", "heavy-regularisation", "no-hidden-layer",
        "one-epoch"])
def test_extreme_settings_train_without_trouble(settings):
    assert_trained(train(open_page("Train", settings)))


def test_a_link_reproduces_the_same_settings_and_the_same_metrics():
    first = train(open_page("Train", {"data": "moons", "hidden": "6", "act": "relu",
                                      "opt": "momentum", "lr": "0.1", "epochs": "40",
                                      "batch": "16", "dropout": "0.1", "seed": "7"}))
    shared = {**params(first), "run": "1"}
    second = open_page("Train", shared)
    no_exception(second)
    assert params(second) == params(first)
    assert metrics(second) == metrics(first), "the link trains on opening, to the same result"
    third = train(open_page("Train", params(first)))
    assert metrics(third) == metrics(first)


def test_a_tampered_link_is_clamped_with_a_visible_note_and_still_trains():
    at = open_page("Train", {"epochs": "-5", "lr": "1e308", "data": "imagenet",
                             "hidden": "x" * 10_000, "seed": "twelve", "opt": "9"})
    no_exception(at)
    note = shown(at.warning[0].value)
    for fragment in ("number of epochs -5", "learning rate 1e+308", "no dataset called",
                     "too long", "seed", "optimiser"):
        assert fragment in note
    assert params(at)["epochs"] == "1" and params(at)["lr"] == "10.0"
    at.select_slider(key="w.lr").set_value(0.03).run()
    assert not at.warning, "the note goes once the student changes a setting"
    assert_trained(train(at))


def test_link_notes_stay_visible_when_the_data_also_changes_the_loss():
    at = open_page("Train", {"data": "boston", "loss": "bce", "epochs": "-5", "run": "1"})
    no_exception(at)
    assert "number of epochs -5" in shown(at.warning[0].value)
    assert any("regression task" in i.value for i in at.info)
    assert_trained(at)
    assert "number of epochs -5" in shown(train(at).warning[0].value)


def test_teacher_mode_hides_and_locks_what_it_names():
    at = open_page("Train", {**QUICK, "hide": "lr,opt,equations,downloads,link",
                             "lock": "hidden,act"})
    no_exception(at)
    keys = {w.key for kind in ("select_slider", "selectbox", "slider") for w in getattr(at, kind)}
    assert "w.lr" not in keys and "w.opt" not in keys
    assert at.slider(key="w.hidden").disabled and at.selectbox(key="w.act.0").disabled
    assert not at.selectbox(key="w.loss").disabled
    assert not at.latex, "the equations are hidden"
    assert not at.expander or all("Teacher" not in e.label for e in at.expander)
    train(at)
    assert_trained(at)
    assert not at.download_button and not any(c.value.startswith("http") for c in at.code)
    assert params(at)["hide"] == "downloads,equations,link,lr,opt"


def test_the_teacher_link_builder_writes_hide_and_lock_flags():
    at = open_page("Train", QUICK)
    at.multiselect(key="teacher.hide").set_value(["lr", "gradcheck"])
    at.multiselect(key="teacher.lock").set_value(["hidden"])
    at.checkbox(key="teacher.seal").uncheck()
    exercise = click(at, "Make the link").code[-1].value
    assert exercise.endswith("?epochs=30&hide=gradcheck,lr&lock=hidden")
    assert "hide" not in params(at), "building the link leaves this page unchanged"


def test_changing_a_setting_after_training_marks_the_result_as_earlier():
    at = train(open_page("Train", QUICK))
    at.number_input(key="w.seed").set_value(3).run()
    assert any("settings changed since this run" in i.value for i in at.info)
    assert_trained(at)


def test_the_back_button_brings_the_run_back_with_its_settings():
    """Back restores the earlier URL, which the session adopts as a newly opened link: the run
    trained with those settings is current again, not thrown away."""
    at = train(open_page("Train", QUICK))
    trained_with = params(at)
    shown = metrics(at)
    at.number_input(key="w.seed").set_value(3).run()
    assert any("settings changed since this run" in i.value for i in at.info)
    at.query_params.clear()
    for key, value in trained_with.items():
        at.query_params[key] = value
    at.run()
    no_exception(at)
    assert params(at)["seed"] == trained_with["seed"]
    assert not any("settings changed" in i.value or "Press Train" in i.value for i in at.info)
    assert metrics(at) == shown


def test_an_upload_chosen_without_a_file_says_where_to_upload():
    at = open_page("Train", QUICK)
    at.selectbox(key="w.data").set_value("upload").run()
    no_exception(at)
    assert "Data page" in at.error[0].value


def test_links_that_train_on_opening_come_from_the_cache(monkeypatch):
    """Thirty students opening the same ``run=1`` link train it once; the Train button always
    trains live (so that every student can watch it learn) and never reads the cache."""
    calls = []
    real = runs.advance
    monkeypatch.setattr(runs, "advance", lambda *a, **k: calls.append(1) or real(*a, **k))
    link = {**QUICK, "run": "1"}
    first = open_page("Train", link)
    other = open_page("Train", link)
    assert len(calls) == 1
    assert metrics(first) == metrics(other) != {}
    assert metrics(train(other)) == metrics(first) and len(calls) == 2


def test_a_link_of_run_alone_trains_the_default_network():
    """``?run=1`` typed by hand, with no setting: the default network, trained on opening."""
    at = open_page("Train", {"run": "1"})
    expected = services.train_run(DataSettings(), TrainSettings())
    assert metrics(at)["Training loss"] == f"{expected.result.final_train_loss:.4g}"


def test_a_network_that_learns_nothing_says_why():
    ten_narrow = {"hidden": ",".join(["1"] * 10), "act": ",".join(["relu"] * 10), "epochs": "50"}
    at = train(open_page("Train", ten_narrow))
    assert_trained(at)
    warning = at.warning[0].value
    assert "learned almost nothing" in warning and "10 hidden layers of a single unit" in warning
    assert not train(open_page("Train", QUICK)).warning, "a network that learns gets no warning"


@pytest.mark.parametrize("rule", ["standard", "post"])
def test_both_dropconnect_rules_train_as_the_engine_does(rule):
    """The DropConnect rule in a link reaches the engine: the page's run is nncore.train with
    that rule, and the two rules give different runs from the same seed."""
    link = {"dropconnect": "0.3", "dc_rule": rule, "epochs": "20", "run": "1"}
    at = open_page("Train", link)
    assert_trained(at)
    assert at.selectbox(key="w.dc_rule").value == rule
    assert ("follows seed post 001" in texts(at)) == (rule == "post")
    opened, notes = decode(link)
    assert notes == [] and opened.train.dropconnect_rule == rule
    run = services.train_run(opened.data, opened.train)
    assert run.plan.config.dropconnect_rule == rule
    other = "post" if rule == "standard" else "standard"
    twin = services.train_run(opened.data, replace(opened.train, dropconnect_rule=other))
    assert not np.array_equal(run.result.history.train_loss, twin.result.history.train_loss)


def test_the_steps_can_follow_another_loss_s_gradient():
    """mse recorded, bce's gradient followed (seed post 003's rule): the page says so, the run
    follows bce's gradient, and an output bce cannot follow sends it back with a note."""
    link = {"loss": "mse", "out": "sigmoid", "grad_loss": "bce", "epochs": "20", "run": "1"}
    at = open_page("Train", link)
    assert_trained(at)
    assert at.selectbox(key="w.grad_loss").value == "bce"
    assert "every step follows the gradient of the bce loss" in texts(at)
    opened, _ = decode(link)
    run = services.train_run(opened.data, opened.train)
    assert run.plan.config.gradient_loss == "bce" and run.plan.config.loss == "mse"
    own = services.train_run(opened.data, replace(opened.train, gradient_loss="same"))
    assert own.plan.config.gradient_loss is None
    assert not np.array_equal(run.result.history.train_loss, own.result.history.train_loss)
    tanh = open_page("Train", {**link, "out": "tanh"})
    no_exception(tanh)
    assert "cannot follow the bce loss's gradient with a tanh output" in texts(tanh)
    assert tanh.selectbox(key="w.grad_loss").value == "same"
