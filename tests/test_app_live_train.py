"""The Train page as a live lab: Step, Stop, Train (going on), Reset and links to a paused run.

The truth is the engine itself: ``nncore.train`` on the same prepared data and plan, stopped
by its callback after the same epoch, or run without interruption."""
from __future__ import annotations

import numpy as np
import pytest
from app_testing import QUICK, click, fresh_caches, no_exception, open_page, texts  # noqa: F401

import nncore
from labapp.compute.prepare import prepare
from labapp.compute.run_plan import plan as make_plan
from labapp.data.lab_table import load_table
from labapp.settings.page_settings import DataSettings, TrainSettings
from labapp.settings.share_links import PAUSE_KEY, RUN_KEY, paused_epochs, share_params
from labapp.settings.url_state import LabState, decode
from labapp.ui import services
from labapp.ui.live_progress import ACTIVE_SECONDS, STOP_CHECK_SECONDS, LiveProgress, LiveRuns

#: Mini-batches, dropout and Adam: every piece of state a pause must keep (the optimiser's
#: moments, the batch order's and the masks' generator) matters.
NOISY = {"epochs": "40", "batch": "16", "dropout": "0.2", "seed": "3"}


def engine_run(state: LabState, epochs_run: int | None = None):
    """The network the engine trains for these settings, stopped by its callback after
    ``epochs_run`` epochs (None: the whole run), and its result."""
    ready = prepare(load_table(state.data))
    the_plan = make_plan(ready, state.train)
    net = nncore.MLP(**the_plan.network)
    T_train, T_test = ready.targets(the_plan.output_units)
    stop = None if epochs_run is None else (lambda progress: progress.epoch >= epochs_run)
    result = nncore.train(net, ready.X_train, T_train, the_plan.config, X_test=ready.X_test,
                          T_test=T_test, callback=stop)
    return net, result


def shown_run(at):
    return at.session_state["lab.run"]


def assert_same_weights(net_a, net_b):
    for a, b in zip(net_a.weights + net_a.biases, net_b.weights + net_b.biases):
        assert np.array_equal(a, b)


def state_of(params) -> LabState:
    state, notes = decode(params)
    assert notes == []
    return state


def images(at) -> list[str]:
    """The addresses of the page's images (the media store names them by their content)."""
    return [img.url for element in at.get("image") for img in element.proto.imgs]


def step(at, epochs: int = 1):
    at.number_input(key="run.step_epochs").set_value(epochs)
    return click(at, "Step")


def test_before_training_the_page_shows_the_untrained_network():
    at = open_page("Train", QUICK)
    no_exception(at)
    assert "Not trained yet" in texts(at)
    assert len(images(at)) == 2, "the data plot and the network picture"
    labels = [b.label for b in at.button]
    for label in ("Train", "Step", "Reset"):
        assert label in labels


def test_step_trains_exactly_one_epoch_of_the_engine():
    at = step(open_page("Train", NOISY))
    no_exception(at)
    run = shown_run(at)
    assert run.result.epochs_run == 1 and run.paused
    assert "Paused after epoch 1 of 40" in texts(at)
    net, result = engine_run(state_of(NOISY), 1)
    assert_same_weights(run.net, net)
    assert np.array_equal(run.result.history.train_loss, result.history.train_loss)


def test_steps_of_several_epochs_add_up_and_redraw_the_pictures():
    at = step(open_page("Train", NOISY))
    first = images(at)
    at = step(at, 3)
    assert shown_run(at).result.epochs_run == 4
    assert "Paused after epoch 4 of 40" in texts(at)
    net, _ = engine_run(state_of(NOISY), 4)
    assert_same_weights(shown_run(at).net, net)
    assert images(at)[1] != first[1], "the network picture shows the new weights"


def test_train_after_steps_equals_an_uninterrupted_run():
    at = step(step(open_page("Train", NOISY)), 5)
    at = click(at, "Train")
    no_exception(at)
    run = shown_run(at)
    assert run.result.stop_reason == "completed" and run.result.epochs_run == 40
    net, result = engine_run(state_of(NOISY))
    assert_same_weights(run.net, net)
    assert np.array_equal(run.result.history.train_loss, result.history.train_loss)
    assert np.array_equal(run.result.history.test_loss, result.history.test_loss)
    assert "Finished: 40 of 40 epochs" in texts(at)


def test_reset_starts_over():
    at = click(step(open_page("Train", NOISY), 2), "Reset")
    no_exception(at)
    assert at.session_state["lab.run"] is None
    assert "Not trained yet" in texts(at)
    at = step(at)
    net, _ = engine_run(state_of(NOISY), 1)
    assert_same_weights(shown_run(at).net, net)


def _interrupted(data, settings, epoch):
    """A run stopped by the student after ``epoch`` epochs (the Stop button's rerun arrives
    while a frame draws), as the page keeps it: the run and the paused training."""
    class Interruption(BaseException):
        pass

    def draw(progress):
        if progress.epoch >= epoch:
            raise Interruption()

    kept = []
    with pytest.raises(Interruption):
        services.train_run(data, settings,
                           live=LiveProgress(draw, interval=0.0, runs=LiveRuns()),
                           on_stop=lambda run, trainer: kept.append((run, trainer)))
    return kept[0]


def test_stop_pauses_and_going_on_equals_an_uninterrupted_run():
    data = DataSettings()
    settings = TrainSettings(epochs=40, batch_size=16, dropout=0.2, seed=3)
    run, trainer = _interrupted(data, settings, 12)
    assert run.paused and run.result.epochs_run == 12 and not trainer.training.finished
    whole = services.go_on(trainer)
    again = services.train_run(data, settings)
    assert whole.result.epochs_run == again.result.epochs_run == 40
    assert_same_weights(whole.net, again.net)
    assert np.array_equal(whole.result.history.train_loss, again.result.history.train_loss)


def test_a_stopped_run_is_never_cached():
    data, settings = DataSettings(), TrainSettings(epochs=40)
    run, _ = _interrupted(data, settings, 10)
    assert run.result.epochs_run == 10
    assert services.train_run(data, settings).result.epochs_run == 40


def test_the_link_to_a_paused_run_opens_it_paused_with_the_same_weights():
    at = step(open_page("Train", NOISY), 3)
    links = [c.value for c in at.code if f"{RUN_KEY}=1" in c.value]
    assert links and f"&{PAUSE_KEY}=3" in links[0]
    assert "paused after epoch 3" in texts(at)
    query = dict(pair.split("=", 1) for pair in links[0].split("?", 1)[1].split("&"))
    opened = open_page("Train", {k: v.replace("%2C", ",") for k, v in query.items()})
    no_exception(opened)
    assert shown_run(opened).result.epochs_run == 3 and shown_run(opened).paused
    assert_same_weights(shown_run(opened).net, shown_run(at).net)
    opened = click(opened, "Train")                    # and it goes on as the run would
    net, _ = engine_run(state_of(NOISY))
    assert_same_weights(shown_run(opened).net, net)


@pytest.mark.parametrize("value, expected, noted", [
    (None, None, False), ("3", 3, False), ("40", None, False), ("99", None, False),
    ("0", None, True), ("-2", None, True), ("abc", None, True), ("2.5", None, True),
    ("²", None, True), ("٣", None, True), ("9" * 5000, None, True)])
def test_pause_points_from_links(value, expected, noted):
    until, note = paused_epochs(value, 40)
    assert until == expected and (note is not None) == noted
    if note:
        assert value not in note, "a link's text is never quoted"


def test_a_bad_pause_point_trains_to_the_end_with_a_note():
    params = {**NOISY, RUN_KEY: "1", PAUSE_KEY: "soon"}
    at = open_page("Train", params)
    no_exception(at)
    assert "pause point is not a whole number" in texts(at)
    assert shown_run(at).result.epochs_run == 40


def test_share_params_carry_the_pause_only_with_a_result():
    state = LabState()
    assert PAUSE_KEY not in share_params(state, False, 5)
    assert share_params(state, True, 5)[PAUSE_KEY] == "5"
    assert PAUSE_KEY not in share_params(state, True)


def test_a_run_too_large_to_keep_paused_says_so(monkeypatch):
    """The session holds a paused run only within its memory: beyond it, Stop stops."""
    at = open_page("Train", NOISY)
    holder = at.session_state["lab.holder"]
    monkeypatch.setattr(holder, "_limit", 0)
    at = step(at)
    no_exception(at)
    assert "could not keep this run paused" in texts(at)
    assert holder.paused is None


def test_a_short_run_plays_as_an_animation_of_several_frames():
    """300 epochs that take no time at all (a frozen clock) still draw a frame at every tenth
    of the run, each but the last held for its share of the animation (the finished run's view
    follows the last at once); a frame's own drawing time counts towards it."""
    drawn, slept = [], []
    cost = 0.02
    now = [0.0]

    def draw(progress):
        drawn.append(progress.epoch)
        now[0] += cost

    live = LiveProgress(draw, clock=lambda: now[0], frames=10, hold=0.05, sleep=slept.append,
                        runs=LiveRuns(clock=lambda: now[0]))             # no other run draws
    for epoch in range(1, 301):
        assert live(nncore.Progress(epoch, 300, 0.0, 0.0, np.zeros(epoch), np.zeros(epoch))) \
            is False
    assert drawn == [1, 31, 61, 91, 121, 151, 181, 211, 241, 271]
    assert slept == pytest.approx([0.05 - cost] * 9)


def test_the_page_draws_several_frames_of_the_default_run(monkeypatch):
    from labapp.ui import live_progress, live_view
    frames, weights = [], []

    def seen(progress):
        frames.append(progress.epoch)
        weights.append(progress.net.buffer().values.copy())

    class Counting(LiveProgress):
        def __init__(self, draw, *args, **kwargs):
            super().__init__(lambda p: seen(p) or draw(p), *args, **kwargs)

    monkeypatch.setattr(live_view, "LiveProgress", Counting)
    monkeypatch.setattr(live_progress, "SERVER_RUNS", LiveRuns())   # no other test's run
    at = click(open_page("Train"), "Train")
    no_exception(at)
    assert len(frames) >= 8 and frames == sorted(frames)
    assert all(not np.array_equal(a, b) for a, b in zip(weights, weights[1:])), \
        "every frame draws other weights (tests/test_unit_maps.py: other weights, other pixels)"
    assert shown_run(at).result.epochs_run == 300


def test_the_reproduction_script_of_a_paused_run_pauses_it_too():
    """With early stopping a run cut to k epochs would end by restoring its best weights; a
    paused run has not: the script trains the same run to epoch k and pauses there."""
    import contextlib
    import io

    from labapp.compute.reproduction_script import reproduction_script
    at = step(open_page("Train", {**NOISY, "patience": "3"}), 7)
    run = shown_run(at)
    assert run.paused and run.plan.config.patience == 3
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(reproduction_script(run), "reproduce_run.py", "exec"), namespace)
    assert namespace["result"].stop_reason == "paused"
    assert_same_weights(namespace["net"], run.net)
    assert np.array_equal(namespace["result"].history.train_loss, run.result.history.train_loss)


def test_a_paused_run_s_memory_comes_back_however_it_ends():
    """Held bytes are counted once and given back on replacement, emptying, and when the
    session's holder is freed before the housekeeping thread empties it."""
    import gc

    from labapp.server.memory import Holder, Ledger
    ledger = Ledger(100)
    holder = Holder("session", 50, ledger)
    assert holder.keep_paused("run", 40) and ledger.held == 40
    assert holder.keep_paused("next run", 30) and ledger.held == 30, "replaced, not added"
    assert not holder.keep_paused("too large", 60) and holder.paused is None
    assert ledger.held == 0
    assert holder.keep_paused("run", 40) and holder.holds_anything
    holder.empty()
    assert ledger.held == 0 and not holder.holds_anything
    holder.keep_paused("run", 40)
    del holder
    gc.collect()
    assert ledger.held == 0


def test_a_paused_run_trains_for_one_request_at_a_time():
    data, settings = DataSettings(), TrainSettings(epochs=40)
    trainer = services.new_trainer(data, settings)
    with trainer.busy:                                  # another request is training it
        with pytest.raises(ValueError, match="still training"):
            services.go_on(trainer, 1)
    assert services.go_on(trainer, 1).result.epochs_run == 1


def test_changing_a_setting_lets_the_paused_run_go():
    at = step(open_page("Train", NOISY), 2)
    holder = at.session_state["lab.holder"]
    assert holder.paused is not None
    at.number_input(key="w.seed").set_value(4).run()
    no_exception(at)
    assert holder.paused is None
    assert "settings changed since this run" in texts(at)


def test_the_server_counts_the_runs_that_checked_for_a_frame_within_a_second():
    now = [0.0]
    runs = LiveRuns(clock=lambda: now[0])
    first, second = runs.token(), runs.token()
    assert runs.count(first) == 1 and runs.count(second) == 2 and runs.count(first) == 2
    now[0] = ACTIVE_SECONDS + 0.5
    assert runs.count(second) == 1, "the first has not checked for over a second"


ALONE = [1, 31, 61, 91, 121, 151, 181, 211, 241, 271]


@pytest.mark.parametrize("others", [0, 3])
def test_a_crowd_spaces_out_the_frames_a_long_run_draws_by_time(others):
    """Without counted frames, a run draws every ``interval`` seconds alone, and ``n`` times
    further apart while ``n`` runs draw at once: a class training long runs together costs
    the server the frames of about one."""
    drawn, now = [], [0.0]
    runs = LiveRuns(clock=lambda: now[0])
    crowd = [runs.token() for _ in range(others)]
    live = LiveProgress(lambda p: drawn.append(now[0]), interval=0.25, clock=lambda: now[0],
                        runs=runs)
    for epoch in range(1, 201):                          # 0.01 s a progress point: 2 s in all
        for token in crowd:
            runs.count(token)
        live(nncore.Progress(epoch, 200, 0.0, 0.0, np.zeros(epoch), np.zeros(epoch)))
        now[0] = round(now[0] + 0.01, 2)
    gaps = np.diff(drawn)
    assert len(drawn) >= 2 and np.allclose(gaps, 0.25 * (others + 1)), drawn


def test_runs_between_their_frames_still_count_in_the_crowd():
    """Three long runs, each drawing every ``interval × crowd`` = 6 s, longer than a run counts
    after it was last seen (2 s): each still counts the other two at every frame, because every
    progress point (0.01 s apart) marks it as drawing."""
    now, drawn = [0.0], {name: [] for name in "abc"}
    runs = LiveRuns(clock=lambda: now[0])
    lives = {name: LiveProgress(lambda p, name=name: drawn[name].append(now[0]), interval=2.0,
                                clock=lambda: now[0], runs=runs) for name in "abc"}
    for epoch in range(1, 2001):                         # 20 s of training
        for live in lives.values():
            live(nncore.Progress(epoch, 2000, 0.0, 0.0, np.zeros(epoch), np.zeros(epoch)))
        now[0] = round(now[0] + 0.01, 2)
    for times in drawn.values():                         # after the first, when not all are seen
        assert len(times) >= 4 and np.allclose(np.diff(times)[1:], 6.0), times


def test_stop_is_noticed_at_a_progress_point_between_frames():
    """The page's stop request is asked for between frames too (every STOP_CHECK_SECONDS): a run
    whose next frame is far off stops within that time of the request."""
    class Interruption(BaseException):
        pass
    requested, drawn = [False], []

    def check():
        if requested[0]:
            raise Interruption()
    now = [0.0]
    live = LiveProgress(lambda p: drawn.append(p.epoch), interval=1e9, clock=lambda: now[0],
                        runs=LiveRuns(clock=lambda: now[0]), check=check)
    answers = []
    for epoch in range(1, 101):                          # a progress point every 0.01 s
        requested[0] = epoch >= 60
        answers.append(live(nncore.Progress(epoch, 100, 0.0, 0.0, np.zeros(epoch),
                                            np.zeros(epoch))))
        if answers[-1]:
            break
        now[0] = round(now[0] + 0.01, 2)
    assert drawn == [1], "one frame at the start, none after: the interval is far off"
    assert answers[-1] and len(answers) - 60 <= STOP_CHECK_SECONDS / 0.01, len(answers)
    assert isinstance(live.interruption, Interruption)


@pytest.mark.parametrize("arrived, expected", [(["me"], ALONE),
                                               (["me", "you", "they", "we", "all"], [1, 31])])
def test_sessions_count_in_the_crowd_from_their_arrival(arrived, expected):
    """Sessions that arrived on the Train page count before their first frame check (their
    pages are still being built); a run counts once with its own session's arrival."""
    drawn, now = [], [0.0]
    runs = LiveRuns(clock=lambda: now[0])
    for who in arrived:
        runs.seen(who)
    live = LiveProgress(lambda p: drawn.append(p.epoch), clock=lambda: now[0], frames=10,
                        hold=0.05, sleep=lambda s: None, runs=runs, who="me")
    for epoch in range(1, 301):
        live(nncore.Progress(epoch, 300, 0.0, 0.0, np.zeros(epoch), np.zeros(epoch)))
    assert drawn == expected
    now[0] = ACTIVE_SECONDS + 0.5
    assert runs.count("late") == 1, "an arrival counts for a second, as a frame check does"


@pytest.mark.parametrize("others, expected", [(0, [1, 31, 61, 91, 121, 151, 181, 211, 241, 271]),
                                              (1, [1, 31, 61, 91, 121]),
                                              (4, [1, 31]),
                                              (10, [])])
def test_a_crowd_shares_out_the_frames_of_short_runs(others, expected):
    """With ``others`` runs drawing too, a run of 10 frames plays 10 / (others + 1) of them,
    rounded down (the finished run's view follows), and holds only those."""
    drawn, slept, now = [], [], [0.0]
    runs = LiveRuns(clock=lambda: now[0])
    crowd = [runs.token() for _ in range(others)]
    live = LiveProgress(lambda p: drawn.append(p.epoch), clock=lambda: now[0], frames=10,
                        hold=0.05, sleep=slept.append, runs=runs)
    for epoch in range(1, 301):
        for token in crowd:
            runs.count(token)                             # the others check for frames too
        live(nncore.Progress(epoch, 300, 0.0, 0.0, np.zeros(epoch), np.zeros(epoch)))
    assert drawn == expected
    assert len(slept) == len(expected) - (expected[-1:] == [271]), "the last frame is not held"
    assert runs.count(runs.token()) == others + 2, "a run that just ended still counts"
    now[0] = ACTIVE_SECONDS + 0.5
    assert runs.count(runs.token()) == 1, "until it has not checked for a while"
