"""Predict, then run: what changed between two runs, the verdicts worked by hand, the "about the
same" boundary, the Train page's question and verdict drawn alone, and the Splits page's guess."""
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from app_testing import (TIMEOUT, charts, fresh_caches, no_exception, open_page,  # noqa: F401
                         params, shown, texts)
from streamlit.testing.v1 import AppTest

from labapp.compute import predictions, run_plan, runs, split_experiments, split_tables
from labapp.compute.predictions import HIGHER, LOWER, SAME, RunGuess, trend
from labapp.compute.prepare import prepare
from labapp.compute.sweep_verdict import guess_question
from labapp.data.lab_table import load_table
from labapp.settings.page_settings import DataSettings, SplitSettings, SweepSettings, TrainSettings
from labapp.settings.url_state import decode

SMALL = DataSettings(n_samples=100)
QUICK_SPLITS = {"sp_epochs": "30", "sp_n": "100", "sp_repeats": "2", "sp_k": "3"}


# --- "about the same" and the trend -------------------------------------------------------

@pytest.mark.parametrize("after, expected", [
    (4.5, SAME), (4.5 + 1e-9, HIGHER), (3.5, SAME), (3.5 - 1e-9, LOWER), (4.0, SAME),
    (0.0, LOWER), (np.inf, HIGHER), (np.nan, HIGHER)])
def test_the_band_includes_its_edges_exactly(after, expected):
    """With a band of 1/8 around 4 (exact in binary), 3.5 and 4.5 are the edges."""
    assert trend(4.0, after, band=0.125) == expected


def test_the_default_band_is_fifteen_percent_either_way():
    assert predictions.SAME_BAND == 0.15
    assert [trend(1.0, x) for x in (0.84, 0.86, 1.14, 1.16)] == [LOWER, SAME, SAME, HIGHER]


# --- what changed -------------------------------------------------------------------------

def test_changes_name_each_setting_with_its_old_and_new_value():
    before = (DataSettings(), TrainSettings())
    after = (replace(DataSettings(), noise=0.2, csv_target="price"),
             replace(TrainSettings(), hidden=(16,), bias=False, epochs=500, dropout=0.5))
    assert predictions.changes(before, after) == [
        "noise 0.1 → 0.2", "target column none → price", "hidden layers 8, 8 → 16",
        "bias on → off", "number of epochs 300 → 500", "dropout rate 0 → 0.5"]
    assert predictions.changes(before, before) == []


def test_another_uploaded_file_counts_as_a_change():
    old = replace(DataSettings(), dataset="upload", upload="a" * 64)
    new = replace(old, upload="b" * 64)
    assert predictions.changes((old, TrainSettings()), (new, TrainSettings())) == \
        ["the uploaded file (another one)"]


@pytest.mark.parametrize("found, sentence", [
    (["dropout rate 0 → 0.5"], "You changed dropout rate 0 → 0.5"),
    (["dropout rate 0 → 0.5", "number of epochs 300 → 500"],
     "You changed dropout rate 0 → 0.5 and number of epochs 300 → 500"),
    (["a 1 → 2", "b 1 → 2", "c 1 → 2", "d 1 → 2"],
     "You changed a 1 → 2, b 1 → 2, c 1 → 2 and 1 more setting"),
    (list("abcde"), "You changed a, b, c and 2 more settings")])
def test_the_changes_sentence_lists_three_and_counts_the_rest(found, sentence):
    assert predictions.changes_sentence(found) == sentence


# --- the Train page's question and verdict, worked by hand ---------------------------------

@pytest.fixture(scope="module")
def ready():
    return prepare(load_table(SMALL))


def plan_of(ready, **train):
    return run_plan.plan(ready, replace(TrainSettings(), **{"epochs": 30, **train}))


def losses(test, train=0.1):
    return SimpleNamespace(final_test_loss=test, final_train_loss=train)


def test_the_question_names_the_changes_and_the_last_loss(ready):
    last, plan = plan_of(ready), plan_of(ready, dropout=0.5, epochs=50)
    asked = predictions.run_question(last, losses(0.2314), plan)
    assert asked.question.text == ("You changed number of epochs 30 → 50 and dropout rate "
                                   "0 → 0.5. Will the test loss be lower than, about the same "
                                   "as, or higher than your last run's 0.231?")
    assert asked.question.answers == (LOWER, SAME, HIGHER)
    assert (asked.measure, asked.before) == ("test", 0.2314)
    assert "within 15% of 0.231 (from 0.197 to 0.266)" in asked.question.help


def test_without_test_rows_the_question_is_about_the_training_loss(ready):
    last = plan_of(ready)
    plan = plan_of(ready, seed=3)
    plan = replace(plan, facts=replace(plan.facts, has_test=False))
    asked = predictions.run_question(last, losses(0.5, train=0.125), plan)
    assert (asked.measure, asked.before) == ("train", 0.125)
    assert "You changed seed 0 → 3. Will the train loss" in asked.question.text


@pytest.mark.parametrize("change, last_loss, reason", [
    ({}, 0.2, "Nothing changed since your last run"),
    ({"loss": "mse", "output": "sigmoid"}, 0.2, "The loss changed (bce → mse)"),
    ({"seed": 1}, np.inf, "Your last run diverged")])
def test_no_question_when_there_is_nothing_to_compare(ready, change, last_loss, reason):
    asked = predictions.run_question(plan_of(ready), losses(last_loss), plan_of(ready, **change))
    assert isinstance(asked, str) and asked.startswith(reason)


@pytest.mark.parametrize("answer, after, right, words", [
    (HIGHER, 0.3, True, "+50%, which counts as higher"),
    (LOWER, 0.3, False, "+50%, which counts as higher"),
    (SAME, 0.22, True, "+10%, which counts as about the same"),
    (LOWER, 0.15, True, "-25%, which counts as lower"),
    (SAME, np.inf, False, "not finite (the run diverged) (this run), the loss blew up, "
                          "which counts as higher")])
def test_the_run_verdict_for_each_case(ready, answer, after, right, words):
    guess = RunGuess(plan_of(ready), "test", 0.2, answer)
    outcome = predictions.run_outcome(guess, losses(after))
    assert outcome.right is right
    assert outcome.sentence.startswith(f"You guessed {answer}. The test loss went from 0.2 "
                                       "(last run) to ")
    assert words in outcome.sentence
    assert outcome.sentence.endswith("Right." if right else "Not this time.")


# --- the split-ratio verdict, from a table worked by hand ----------------------------------

def ratio_rows(test_losses: dict) -> list[dict]:
    return [{"train_ratio": ratio, "repeat": k, "train_loss": 0.1, "test_loss": loss,
             "gap": loss - 0.1} for ratio, values in test_losses.items()
            for k, loss in enumerate(values)]


@pytest.mark.parametrize("ends, answer, right, moved", [
    ({0.1: [0.7, 0.9], 0.5: [0.5, 0.5], 0.9: [0.3, 0.5]}, "fall", True, "(-50%): it fell"),
    ({0.1: [0.7, 0.9], 0.5: [0.5, 0.5], 0.9: [0.3, 0.5]}, "rise", False, "(-50%): it fell"),
    ({0.1: [0.4, 0.4], 0.9: [0.42, 0.46]}, "stay about the same", True,
     "(+10%): it stayed about the same"),
    ({0.1: [0.4, 0.4], 0.9: [0.5, 0.7]}, "fall", False, "(+50%): it rose")])
def test_the_ratio_verdict_compares_the_means_at_both_ends(ends, answer, right, moved):
    table = split_tables.ratio_table(ratio_rows(ends))
    outcome = predictions.ratio_outcome(answer, table)
    first, last = np.mean(ends[0.1]), np.mean(ends[0.9])
    assert outcome.right is right
    assert outcome.sentence.startswith(f"You guessed it would {answer}. The mean test loss went "
                                       f"from {first:.3g} with 10% of the rows for training to "
                                       f"{last:.3g} with 90% ")
    assert moved in outcome.sentence


def test_the_sweep_question_offers_the_first_axis_values():
    axis, question = guess_question(SweepSettings(axes=("width", "lr"), widths=(2, 8)))
    assert axis == "hidden_width" and question.answers == (2, 8)
    assert question.text == "Before you run: which hidden units will give the lowest test loss?"


# --- the Train page's widgets, drawn alone -------------------------------------------------

def train_script():
    import streamlit as st

    from labapp.settings.teacher import TeacherMode
    from labapp.ui import predictions

    state = st.session_state
    predictions.ask(state["plan"], state.get("last"), TeacherMode(hidden=state["hidden"]))
    if st.button("Train"):
        state["last"] = state["next"]
    if state.get("last") is not None:
        predictions.verdict(state["last"])


@pytest.fixture(scope="module")
def two_runs(ready):
    """A run without dropout, and the plan and run with dropout 0.5 and 50 epochs."""
    first = runs.execute(ready, plan_of(ready))
    plan = plan_of(ready, dropout=0.5, epochs=50)
    return first, plan, runs.execute(ready, plan)


def widgets(plan, last=None, next_run=None, hidden=frozenset()) -> AppTest:
    at = AppTest.from_function(train_script, default_timeout=TIMEOUT)
    at.session_state["plan"], at.session_state["hidden"] = plan, hidden
    at.session_state["last"], at.session_state["next"] = last, next_run
    return at.run()


def right_answer(before: float, after: float) -> str:
    """The trend worked out here, from the 15% rule, not by the code under test."""
    if abs(after - before) <= 0.15 * before:
        return SAME
    return LOWER if after < before else HIGHER


def test_the_first_run_gets_no_question_and_says_so(two_runs):
    at = widgets(two_runs[1])
    no_exception(at)
    assert not at.selectbox
    assert "after your first run you can guess" in texts(at)


def test_a_right_guess_is_kept_with_its_run_and_shown_with_both_numbers(two_runs):
    first, plan, second = two_runs
    before, after = first.result.final_test_loss, second.result.final_test_loss
    at = widgets(plan, first, second)
    box = at.selectbox[0]
    assert shown(box.label).startswith("You changed number of epochs 30 → 50 and dropout "
                                       "rate 0 → 0.5.")
    assert f"last run's {before:.3g}?" in shown(box.label)
    assert box.options == ["no guess", LOWER, SAME, HIGHER]
    box.set_value(right_answer(before, after)).run()
    at.button[0].click().run()
    no_exception(at)
    verdict = shown(at.success[0].value)
    assert f"from {before:.3g} (last run) to {after:.3g} (this run)" in verdict
    assert verdict.endswith("Right.")
    at.run()                                   # the next rerun: nothing changed, verdict stays
    assert not at.selectbox and "Nothing changed since your last run" in texts(at)
    assert shown(at.success[0].value) == verdict


def test_a_wrong_guess_says_so(two_runs):
    first, plan, second = two_runs
    right = right_answer(first.result.final_test_loss, second.result.final_test_loss)
    at = widgets(plan, first, second)
    at.selectbox[0].set_value(next(a for a in (LOWER, SAME, HIGHER) if a != right)).run()
    at.button[0].click().run()
    assert not at.success and shown(at.info[0].value).endswith("Not this time.")


def test_no_guess_gives_no_verdict(two_runs):
    first, plan, second = two_runs
    at = widgets(plan, first, second)
    at.button[0].click().run()
    no_exception(at)
    assert not at.success and not at.info


def test_a_run_stopped_by_the_student_keeps_its_guess(two_runs):
    """Stop reruns the page with the run already kept, before the verdict was drawn."""
    first, plan, second = two_runs
    at = widgets(plan, first, second)
    at.selectbox[0].set_value(HIGHER).run()
    at.session_state["last"] = second
    at.run()
    assert "You guessed higher" in texts(at)


def test_the_verdict_goes_once_a_run_with_other_settings_replaces_its_run(two_runs):
    first, plan, second = two_runs
    at = widgets(plan, first, second)
    at.selectbox[0].set_value(HIGHER).run()
    at.button[0].click().run()
    assert "You guessed higher" in texts(at)
    at.session_state["last"] = first
    at.run()
    assert "You guessed" not in texts(at)


def test_teacher_mode_hides_the_question(two_runs):
    first, plan, second = two_runs
    at = widgets(plan, first, second, hidden=frozenset({"guess"}))
    no_exception(at)
    assert not at.selectbox and not at.caption


# --- the Splits page ----------------------------------------------------------------------

def plotted_ratio_table(settings: SplitSettings) -> pd.DataFrame:
    rows = split_experiments.ratio_rows(
        load_table(split_experiments.data_settings(settings)), settings)
    return split_tables.ratio_table(rows)


#: The Splits page's charts: the split ratio's losses and gap, the learning curve, the k-fold
#: points, and the capacity experiment's losses and gap.
ALL_CHARTS, RATIO_CHARTS = 6, 2


def test_the_split_ratio_experiment_waits_for_the_guess_then_judges_it():
    at = open_page("Splits", QUICK_SPLITS)
    no_exception(at)
    box = at.selectbox(key="splits.guess")
    assert box.value is None and box.options == ["no guess", "fall", "stay about the same",
                                                  "rise"]
    assert "10% to 90%" in shown(box.label)
    assert "and this experiment runs" in texts(at)
    assert len(charts(at)) == ALL_CHARTS - RATIO_CHARTS
    box.set_value("fall").run()
    no_exception(at)
    assert len(charts(at)) == ALL_CHARTS
    test = plotted_ratio_table(decode(params(at))[0].splits)
    test = test[test["series"] == "test loss"].sort_values("train_ratio")
    first, last = test["mean"].iloc[0], test["mean"].iloc[-1]
    verdict = [shown(e.value) for e in (*at.success, *at.info) if "You guessed" in e.value]
    assert len(verdict) == 1
    assert verdict[0].startswith(f"You guessed it would fall. The mean test loss went from "
                                 f"{first:.3g} with 10% of the rows for training to {last:.3g} "
                                 "with 90%")
    fell = last < 0.85 * first
    assert verdict[0].endswith("Right." if fell else "Not this time.")


def test_no_guess_runs_the_split_experiment_without_a_verdict():
    at = open_page("Splits", QUICK_SPLITS)
    at.selectbox(key="splits.guess").set_value("no guess").run()
    no_exception(at)
    assert len(charts(at)) == ALL_CHARTS and "You guessed" not in texts(at)


def test_teacher_mode_hides_the_split_guess_and_runs_straight_away():
    at = open_page("Splits", {**QUICK_SPLITS, "hide": "guess"})
    no_exception(at)
    assert "splits.guess" not in {s.key for s in at.selectbox}
    assert len(charts(at)) == ALL_CHARTS
