"""Turns at training in the server (labapp.server.training_turns): one holder at a time, served in
the order asked; re-entrant; set aside while a page draws; passed on after a slice when someone
waits. Then the server's runs: trained in turns, a short run asked during a long one ends
first, and thirty runs in thirty threads give exactly what each gives alone. Real threads;
every wait is bounded, and no assertion depends on timing (the slice is told by a fake clock,
or is zero)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from labapp.compute import runs, run_plan
from labapp.compute.prepare import prepare
from labapp.data.lab_table import load_table
from labapp.server.training_turns import TrainingTurns
from labapp.settings.page_settings import DataSettings, TrainSettings
from test_single_flight import WAIT, joined, wait_until


def queue_up(turns: TrainingTurns, names, order: list) -> list[threading.Thread]:
    """One thread per name, started one after another once the previous one waits in line;
    each records its name when its turn comes."""
    threads = []
    for name in names:
        def take(name=name):
            with turns.turn():
                order.append(name)
        thread = threading.Thread(target=take, daemon=True)
        waiting = turns.waiting()
        thread.start()
        wait_until(lambda: turns.waiting() == waiting + 1, f"{name} waits in line")
        threads.append(thread)
    return threads


def test_turns_go_in_the_order_they_were_asked_for():
    turns, order = TrainingTurns(), []
    with turns.turn():
        threads = queue_up(turns, ["first", "second", "third", "fourth"], order)
        assert order == [], "nobody may train while the turn is held"
    joined(threads)
    assert order == ["first", "second", "third", "fourth"]
    assert turns.waiting() == 0 and not turns.holding()


def test_a_turn_is_reentrant_and_freed_by_the_outer_holder_only():
    turns, order = TrainingTurns(), []
    with turns.turn():
        with turns.turn():                       # a run advanced from inside a run's turn
            assert turns.holding()
        assert turns.holding(), "the inner turn must not give the outer one away"
        threads = queue_up(turns, ["other"], order)
        assert order == []
    joined(threads)
    assert order == ["other"] and not turns.holding()


def test_a_turn_set_aside_lets_the_next_in_line_train_then_comes_back_after_it():
    turns, order = TrainingTurns(), []
    with turns.turn():
        threads = queue_up(turns, ["other"], order)
        with turns.set_aside():
            assert not turns.holding()
            wait_until(lambda: order == ["other"], "the waiting run trains meanwhile")
        assert turns.holding()
        order.append("holder again")
    joined(threads)
    assert order == ["other", "holder again"]


def test_set_aside_without_a_turn_changes_nothing():
    turns = TrainingTurns()
    with turns.set_aside():
        assert not turns.holding()
    with turns.turn():
        pass                                     # still free: taken at once
    assert turns.waiting() == 0


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_turn_is_passed_on_only_after_a_slice_and_only_when_someone_waits():
    clock, order = Clock(), []
    turns = TrainingTurns(slice_seconds=0.02, clock=clock)
    with turns.turn():                           # taken at 0.0: its slice ends at 0.02
        clock.now = 0.05
        turns.pass_on_if_due()                   # a slice has passed, but nobody waits
        assert turns.holding() and order == []
        clock.now = 0.0
        threads = queue_up(turns, ["waiting"], order)
        clock.now = 0.019
        turns.pass_on_if_due()                   # someone waits, but the slice is not over
        assert order == [] and turns.holding()
        clock.now = 0.021
        turns.pass_on_if_due()                   # over: the waiting run trains first
        assert order == ["waiting"] and turns.holding()
    joined(threads)


def test_between_epochs_returns_the_callbacks_answer_and_passes_on_only_when_going_on():
    turns, order = TrainingTurns(slice_seconds=0.0), []
    seen = []
    hook = turns.between_epochs(lambda progress: seen.append(progress) or progress == "pause")
    with turns.turn():
        threads = queue_up(turns, ["waiting"], order)
        assert hook("pause") is True
        assert order == [], "a run that pauses keeps its turn to end"
        assert hook("go on") is False
        assert order == ["waiting"], "a run that goes on passes its turn when due"
    joined(threads)
    assert seen == ["pause", "go on"]
    assert turns.between_epochs(None)("anything") is False


def test_a_waiter_that_fails_as_its_turn_comes_hands_it_on_and_nobody_is_stuck():
    """A thread that fails while taking its turn (here its clock raises as the turn comes; a
    signal could interrupt its wait the same way) gives the turn to the next in line."""
    failing = threading.Event()

    def clock():
        if threading.current_thread().name == "failing" and failing.is_set():
            raise RuntimeError("the clock failed")
        return 0.0
    turns, order, errors = TrainingTurns(clock=clock), [], []

    def failing_waiter():
        try:
            with turns.turn():
                order.append("failing")
        except RuntimeError as error:
            errors.append(error)
    with turns.turn():
        failing.set()
        waiter = threading.Thread(target=failing_waiter, name="failing", daemon=True)
        waiter.start()
        wait_until(lambda: turns.waiting() == 1, "the failing thread waits in line")
        threads = queue_up(turns, ["next"], order)
    joined([waiter] + threads)
    assert order == ["next"] and len(errors) == 1
    with turns.turn():                          # and the turn is free again afterwards
        assert turns.waiting() == 0


def test_a_turn_that_fails_to_start_leaves_it_free():
    calls = []

    def clock():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the clock failed")
        return 0.0
    turns = TrainingTurns(clock=clock)
    with pytest.raises(RuntimeError):
        with turns.turn():
            pass
    assert not turns.holding()
    with turns.turn():                          # taken at once: nobody holds it
        assert turns.holding() and turns.waiting() == 0


# -- the server's runs ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def prepared():
    return prepare(load_table(DataSettings()))


def trained(prepared, seed: int, epochs: int | None = None, callback=None) -> runs.Run:
    settings = TrainSettings(seed=seed) if epochs is None else TrainSettings(seed=seed,
                                                                          epochs=epochs)
    return runs.execute(prepared, run_plan.plan(prepared, settings), callback)


def test_a_run_trains_holding_its_turn_and_a_drawing_callback_sets_it_aside(prepared,
                                                                            monkeypatch):
    from labapp.ui import live_progress
    turns = TrainingTurns()
    monkeypatch.setattr(runs, "TRAINING", turns)
    monkeypatch.setattr(live_progress, "TRAINING", turns)
    while_training, while_drawing = [], []
    draw = live_progress.LiveProgress(lambda progress: while_drawing.append(turns.holding()),
                                      interval=0.0, runs=live_progress.LiveRuns())

    def callback(progress):
        while_training.append(turns.holding())
        return draw(progress)
    trained(prepared, 1, callback=callback)
    assert while_training and all(while_training)
    assert while_drawing and not any(while_drawing)
    assert not turns.holding() and turns.waiting() == 0


def test_a_short_run_asked_during_a_long_one_ends_before_it(prepared, monkeypatch):
    """Slice 0: the turn passes at every progress point while someone waits, so the long run
    (2,000 epochs, a progress point every 10) and the short one (20 epochs, a point every
    epoch) alternate point for point, and the short run ends when the long one has done about
    200 epochs."""
    turns = TrainingTurns(slice_seconds=0.0)
    monkeypatch.setattr(runs, "TRAINING", turns)
    short_done, long_epoch_then, errors = threading.Event(), [], []

    def short_run():
        try:
            trained(prepared, 2, epochs=20)
        except BaseException as error:       # noqa: BLE001 — checked below
            errors.append(error)
        short_done.set()
    short = threading.Thread(target=short_run, daemon=True)

    def long_callback(progress):
        if not short.is_alive() and not short_done.is_set():
            short.start()
            wait_until(lambda: turns.waiting() == 1, "the short run waits for a turn")
        if short_done.is_set() and not long_epoch_then:
            long_epoch_then.append(progress.epoch)
        return False
    run = trained(prepared, 1, epochs=2000, callback=long_callback)
    joined([short])
    assert not errors
    assert run.result.epochs_run == 2000
    assert long_epoch_then and long_epoch_then[0] < 400, long_epoch_then


def test_thirty_runs_in_thirty_threads_give_what_each_gives_alone(prepared):
    alone = {seed: trained(prepared, seed) for seed in range(30)}
    together, errors = {}, []

    def train(seed):
        try:
            together[seed] = trained(prepared, seed)
        except BaseException as error:       # noqa: BLE001 — checked below
            errors.append(error)
    threads = [threading.Thread(target=train, args=(seed,), daemon=True) for seed in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert not errors and len(together) == 30
    for seed, run in alone.items():
        for mine, its in zip(together[seed].net.weights + together[seed].net.biases,
                             run.net.weights + run.net.biases):
            np.testing.assert_array_equal(mine, its)
        assert together[seed].result.final_test_loss == run.result.final_test_loss
