"""Every control the engine has, on the Train page: early stopping, learning-rate schedules,
the optimisers' constants, L1, the loss ``auto`` (ce and softmax for more than two classes),
help on every choice of every drop-down, and the seed presets' fixed split."""
import contextlib
import io
from dataclasses import replace

import numpy as np
import pytest
from app_testing import (QUICK, equations, fresh_caches, no_exception,  # noqa: F401
                         open_page, params, texts)

from nncore import TrainConfig
from nncore.optimizers import OPTIMIZERS
from nncore.schedules import learning_rates
from labapp.compute.equations import update_latex
from labapp.compute.prepare import prepare
from labapp.compute.reproduction_script import reproduction_script
from labapp.compute.run_cost import RunShape, epoch_seconds, run_bytes
from labapp.compute.run_plan import plan
from labapp.compute.runs import execute
from labapp.compute.tasks import fit_to_task
from labapp.data.lab_table import load_table
from labapp.settings.choice_help import CHOICE_MEANINGS, SETTING_HELP, help_for
from labapp.settings.kinds import Choice, ChoiceList
from labapp.settings.page_settings import (AUTO_LOSS, DataSettings, TrainSettings, checked,
                                           settings_fields)
from labapp.settings.url_state import LabState, decode, encode
from labapp.ui import services

#: The new settings at values other than their defaults.
CHANGED = dict(momentum=0.5, rho=0.95, beta1=0.8, beta2=0.99, schedule="step", lr_gamma=0.3,
               lr_step=7, lr_decay=0.1, patience=4, min_delta=0.001, l1=0.003)


def _prepared(data: DataSettings = DataSettings()):
    return prepare(load_table(data))


# ---------------------------------------------------------------- settings and links

def test_the_new_settings_survive_a_link():
    state = LabState(train=TrainSettings(**CHANGED))
    params_ = encode(state)
    assert {params_[k] for k in ("patience", "schedule", "beta2", "l1")} == \
        {"4", "step", "0.99", "0.003"}
    assert decode(params_) == (state, [])


def test_an_old_link_without_the_new_keys_opens_on_the_defaults():
    old = {k: v for k, v in encode(LabState()).items()
           if k not in ("momentum", "rho", "beta1", "beta2", "schedule", "lr_gamma", "lr_step",
                        "lr_decay", "patience", "min_delta", "l1")}
    old["loss"] = "bce"                      # links written before auto carried the loss
    state, notes = decode(old)
    assert notes == []
    assert state.train == TrainSettings(loss="bce")


def test_checked_clamps_the_new_settings_with_notes():
    wild = TrainSettings(momentum=1.5, beta2=2.0, rho=-1.0, lr_gamma=0.0, lr_step=0,
                         patience=-3, min_delta=9.0, l1=5.0, schedule="cosine")
    settings, notes = checked(wild)
    assert (settings.momentum, settings.beta2, settings.rho) == (0.99, 0.9999, 0.0)
    assert (settings.lr_gamma, settings.lr_step, settings.patience) == (0.01, 1, 0)
    assert (settings.min_delta, settings.l1, settings.schedule) == (1.0, 1.0, "constant")
    assert len(notes) == 9
    TrainConfig(momentum=settings.momentum, beta2=settings.beta2, lr_gamma=settings.lr_gamma,
                lr_step=settings.lr_step)           # the clamped values suit the engine


def test_the_default_settings_make_the_same_config_as_before():
    """The config the app built before these controls existed, field by field."""
    before = TrainConfig(loss="bce", epochs=300, learning_rate=0.03, optimizer="adam",
                         batch_size=None, dropout=0.0, dropconnect=0.0, l2=0.0, seed=0,
                         dropconnect_rule="standard", gradient_loss=None)
    made = plan(_prepared(), TrainSettings())
    assert made.config == before
    assert made.network["output"] == "sigmoid" and made.task_notes == ()
    regression = plan(_prepared(DataSettings(dataset="plane")), TrainSettings())
    assert regression.config == before.replace(loss="mse")
    assert regression.network["output"] == "identity"


# ---------------------------------------------------------------- the plan and the run

def test_the_plan_hands_every_new_setting_to_the_engine():
    config = plan(_prepared(), TrainSettings(**CHANGED)).config
    for name, value in CHANGED.items():
        assert getattr(config, name) == value, name
    assert plan(_prepared(), TrainSettings(patience=0)).config.patience is None


@pytest.mark.parametrize("optimizer, attributes", [
    ("momentum", {"mu": 0.5}), ("nesterov", {"mu": 0.5}), ("rmsprop", {"rho": 0.95}),
    ("adam", {"beta1": 0.8, "beta2": 0.99})])
def test_the_optimisers_constants_reach_the_optimiser(optimizer, attributes):
    config = plan(_prepared(), TrainSettings(**CHANGED, optimizer=optimizer)).config
    built = OPTIMIZERS[optimizer](3, config)
    assert {name: getattr(built, name) for name in attributes} == attributes


def test_momentum_changes_the_run():
    ready = _prepared()
    losses = [execute(ready, plan(ready, TrainSettings(optimizer="momentum", momentum=mu,
                                                       epochs=20))).result.final_train_loss
              for mu in (0.0, 0.9)]
    assert losses[0] != losses[1]


@pytest.mark.parametrize("schedule", ["constant", "step", "exponential", "inverse_time"])
def test_the_schedule_sets_each_epochs_learning_rate(schedule):
    ready = _prepared()
    train = TrainSettings(epochs=30, schedule=schedule, lr_gamma=0.8, lr_step=7, lr_decay=0.2)
    run = execute(ready, plan(ready, train))
    by_hand = {"constant": 0.03, "step": 0.03 * 0.8 ** (np.arange(30) // 7),
               "exponential": 0.03 * 0.8 ** np.arange(30),
               "inverse_time": 0.03 / (1 + 0.2 * np.arange(30))}[schedule]
    np.testing.assert_allclose(run.result.history.learning_rate, by_hand, rtol=1e-12)
    np.testing.assert_array_equal(run.result.history.learning_rate,
                                  learning_rates(run.plan.config, 30))


def test_patience_stops_early_and_restores_the_best_weights():
    ready = _prepared(DataSettings(dataset="moons", noise=0.3))
    train = TrainSettings(hidden=(32, 32), learning_rate=0.1, epochs=300, patience=5)
    result = execute(ready, plan(ready, train)).result
    assert result.stop_reason == "early_stopping" and result.epochs_run < 300
    assert result.final_test_loss == np.min(result.history.test_loss)
    best = result.best_epoch                   # the weights that epoch started with
    shorter = execute(ready, plan(ready, replace(train, patience=0, epochs=best - 1))).result
    assert shorter.final_test_loss == result.final_test_loss


def test_early_stopping_without_test_rows_costs_a_pass_more():
    shape = RunShape((2, 8, 1), n_train=200, batch=16)
    watching = replace(shape, early_stopping=True)
    assert epoch_seconds(watching) > epoch_seconds(shape)
    assert run_bytes(watching) == run_bytes(shape) + 8 * shape.n_params
    with_test = replace(shape, n_test=50)
    assert epoch_seconds(replace(with_test, early_stopping=True)) == epoch_seconds(with_test)


def test_the_reproduction_script_carries_the_new_settings():
    ready = _prepared()
    run = execute(ready, plan(ready, TrainSettings(**CHANGED, epochs=30, batch_size=32)))
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(reproduction_script(run), "reproduce_run.py", "exec"), namespace)
    assert namespace["config"] == run.plan.config
    assert namespace["result"].final_train_loss == run.result.final_train_loss


def test_the_update_rule_shows_the_chosen_optimiser_and_schedule():
    adam = update_latex(TrainConfig(optimizer="adam", beta1=0.8, beta2=0.99,
                                    schedule="step", lr_gamma=0.3, lr_step=7))
    assert r"0.8\, m" in adam and r"0.99\, v" in adam and r"0.3^{\lfloor e / 7 \rfloor}" in adam
    rms = update_latex(TrainConfig(optimizer="rmsprop", rho=0.95, schedule="inverse_time",
                                   lr_decay=0.2, learning_rate=0.1))
    assert r"0.95\, s" in rms and "0.1 / (1 + 0.2\\, e)" in rms


# ---------------------------------------------------------------- the loss for the task

def test_more_than_two_classes_train_ce_and_softmax_by_default():
    made = plan(_prepared(DataSettings(dataset="blobs", n_classes=3)), TrainSettings())
    assert made.config.loss == "ce" and made.network["output"] == "softmax"
    assert made.output_units == 3 and made.task_notes == ()
    assert made.train.loss == AUTO_LOSS and made.train.usual_loss == "ce"


def test_a_chosen_bce_stays_on_more_than_two_classes():
    fitted, notes = fit_to_task(TrainSettings(loss="bce"), "classification", 3, "blobs")
    assert (fitted.loss, fitted.output, notes) == ("bce", "sigmoid", [])
    made = plan(_prepared(DataSettings(dataset="blobs")), TrainSettings(loss="bce"))
    assert made.config.loss == "bce" and made.output_units == 3


def test_auto_follows_the_data_as_it_changes():
    auto = TrainSettings()
    assert fit_to_task(auto, "classification", 2, "circle")[0].output == "sigmoid"
    assert fit_to_task(auto, "classification", 5, "spiral")[0].output == "softmax"
    fitted, notes = fit_to_task(replace(auto, output="tanh"), "regression", 0, "plane")
    assert (fitted.output, fitted.usual_loss, notes) == ("identity", "mse", [])


# ---------------------------------------------------------------- help on every choice

def _drop_downs():
    for cls in (DataSettings, TrainSettings):
        for _, spec in settings_fields(cls):
            if isinstance(spec.kind, (Choice, ChoiceList)):
                yield spec.key, spec.kind.options


@pytest.mark.parametrize("key, options", list(_drop_downs()), ids=lambda v: str(v)[:20])
def test_every_choice_of_every_drop_down_has_a_meaning(key, options):
    meanings = CHOICE_MEANINGS[key]
    assert set(meanings) == set(options), "a meaning for every choice, and only for choices"
    assert all(meaning.strip() for meaning in meanings.values())
    assert key in SETTING_HELP
    assert all(f"`{option}`" in help_for(key) for option in options)


# ---------------------------------------------------------------- the page

NEW_WIDGETS = [  # (what opens it, widget kind, key, a new value, its URL text)
    ({"opt": "momentum"}, "select_slider", "momentum", 0.5, "0.5"),
    ({"opt": "nesterov"}, "select_slider", "momentum", 0.99, "0.99"),
    ({"opt": "rmsprop"}, "select_slider", "rho", 0.95, "0.95"),
    ({}, "select_slider", "beta1", 0.8, "0.8"),
    ({}, "select_slider", "beta2", 0.99, "0.99"),
    ({}, "selectbox", "schedule", "exponential", "exponential"),
    ({"schedule": "step"}, "select_slider", "lr_gamma", 0.9, "0.9"),
    ({"schedule": "step"}, "number_input", "lr_step", 20, "20"),
    ({"schedule": "inverse_time"}, "select_slider", "lr_decay", 0.1, "0.1"),
    ({}, "number_input", "patience", 10, "10"),
    ({"patience": "5"}, "select_slider", "min_delta", 0.001, "0.001"),
    ({}, "select_slider", "l1", 0.001, "0.001"),
]


@pytest.mark.parametrize("opening, kind, key, value, shown", NEW_WIDGETS,
                         ids=[f"{w[2]}-{i}" for i, w in enumerate(NEW_WIDGETS)])
def test_each_new_widget_has_help_and_changes_the_link(opening, kind, key, value, shown):
    at = open_page("Train", {**QUICK, **opening})
    no_exception(at)
    widget = getattr(at, kind)(key=f"w.{key}")
    assert widget.help == help_for(key)
    widget.set_value(value).run()
    no_exception(at)
    assert params(at)[key] == shown
    assert decode(params(at))[1] == []


def test_settings_the_choices_do_not_use_are_not_drawn():
    at = open_page("Train", {**QUICK, "opt": "sgd"})
    keys = {w.key for kind in ("select_slider", "number_input", "selectbox")
            for w in getattr(at, kind)}
    for unused in ("w.momentum", "w.rho", "w.beta1", "w.beta2", "w.lr_gamma", "w.lr_step",
                   "w.lr_decay", "w.min_delta"):
        assert unused not in keys
    assert {"w.schedule", "w.patience", "w.l1"} <= keys


def test_every_select_box_on_the_train_page_explains_every_choice():
    at = open_page("Train", {**QUICK, "loss": "mse", "out": "identity"})
    for box in at.selectbox:
        name = box.key.removeprefix("w.").split(".")[0]
        for option in CHOICE_MEANINGS[name]:
            assert f"`{option}`" in box.help, (name, option)


def test_the_page_opens_three_classes_on_ce_and_softmax_and_keeps_a_chosen_bce():
    at = open_page("Train", {**QUICK, "data": "blobs", "classes": "3"})
    no_exception(at)
    assert at.selectbox(key="w.loss").value == AUTO_LOSS
    assert at.selectbox(key="w.out").value == "softmax"
    assert at.selectbox(key="w.out").options == ["softmax"]
    assert r"\cdot(8, 3)" in equations(at)
    at.selectbox(key="w.loss").set_value("bce").run()
    no_exception(at)
    assert params(at)["loss"] == "bce" and at.selectbox(key="w.out").value == "sigmoid"
    opened = decode(params(at))[0]
    made = services.plan(opened.data, opened.train)
    assert made.config.loss == "bce" and made.output_units == 3
    at.selectbox(key="w.loss").set_value(AUTO_LOSS).run()
    assert at.selectbox(key="w.out").value == "softmax"


@pytest.mark.parametrize("page", ["Train", "Data"])
def test_a_seed_presets_data_greys_out_the_test_share_and_data_seed(page):
    at = open_page(page, {"data": "seed_001", "epochs": "5"})
    no_exception(at)
    assert at.slider(key="w.test").disabled and at.number_input(key="w.data_seed").disabled
    assert "do not change it" in texts(at)
    at.selectbox(key="w.data").set_value("moons").run()
    assert not at.slider(key="w.test").disabled
    assert not at.number_input(key="w.data_seed").disabled
