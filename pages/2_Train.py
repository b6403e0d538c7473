"""Train page: build a network, then train it and watch it learn, from the outside (the data
plot, the loss) and the inside (every unit's map, the weights), live, step by step, or by hand."""
from dataclasses import replace

import streamlit as st

from labapp.settings.share_links import paused_epochs
from labapp.ui import (controls, frame, live_view, panels, predictions, running, services,
                       session)
from labapp.ui.run_results import results
from labapp.ui.step_by_hand import step_by_hand_section
from labapp.ui.run_controls import ControlBar
from labapp.ui.widgets import Panel
from labapp.views.plain_text import plain

PATH = "Train"
#: The keys of the sections drawn only when open (their state is in ``st.session_state``).
EQUATIONS, BY_HAND = "view.equations", "view.hand"


def settings_from_sidebar(state, panel):
    """The data split and the network controls; returns the new state, the session's upload
    and notes about changes the dataset's task required (the plan of the settings as they
    came fits them to the task)."""
    panel.where.subheader("Data")
    data = controls.split_controls(panel, state.data)
    upload = session.upload_for(data)
    try:
        fitted = services.plan(data, state.train, upload=upload)
    except ValueError as problem:
        session.save_state(replace(state, data=data))
        st.error(plain(problem), icon=":material/error:")
        st.stop()
    if fitted.task_notes:
        session.restart_widgets(("loss", "out"))
    train = controls.train_controls(panel, fitted.train, fitted.facts.task)
    new_state = replace(state, data=data, train=train)
    session.save_state(new_state, by_student=data != state.data or train != fitted.train)
    return new_state, upload, fitted.task_notes


def keep_paused(run, trainer) -> None:
    """What Stop (or any change during training) leaves: the run so far, and the training that
    Train and Step go on with."""
    session.keep_run(run)
    session.keep_trainer(trainer)


def after_training(run, trainer) -> None:
    session.keep_run(run)
    if trainer is not None and not trainer.training.finished:
        session.keep_trainer(trainer)
    else:
        session.drop_trainer()


def refusals_shown(bar=None):
    """Show the server's refusal of a run (no memory for it now) as an error, and end
    ``bar``'s training (its Stop greyed out again) however the run ended."""
    return running.refusals_shown(then=None if bar is None else bar.training_ended)


def train(state, upload, plan, bar, view, until=None):
    """Train on from the session's paused run, or a new run, drawing every frame; ``until``
    pauses after that epoch (a link to a paused run)."""
    with refusals_shown(bar):
        trainer = session.trainer_for(plan)
        if trainer is None or (until is not None and until <= trainer.training.epochs_done):
            trainer = services.new_trainer(state.data, state.train, upload)
        epochs = None if until is None else until - trainer.training.epochs_done
        run = services.go_on(trainer, epochs, view.live(bar), on_stop=keep_paused)
        after_training(run, trainer)


def open_link(state, upload, plan, bar, view):
    """A link that trains on opening: the whole run comes from the cache shared by the class
    when someone opened the same link before (drawn live otherwise); a link to a paused run
    trains to its pause."""
    until, note = paused_epochs(session.take_pause_point(), plan.config.epochs)
    if note:
        st.info(note, icon=":material/info:")
    if until is not None:
        train(state, upload, plan, bar, view, until)
        return
    with refusals_shown(bar):
        after_training(services.train_run(state.data, state.train, upload, view.live(bar),
                                          on_stop=keep_paused), None)


def step(state, upload, plan, epochs):
    """Train ``epochs`` epochs of the session's paused run (or of a new one)."""
    with refusals_shown():
        trainer = session.trainer_for(plan) or services.new_trainer(state.data, state.train,
                                                                     upload)
        after_training(services.go_on(trainer, epochs), trainer)


def act(state, upload, plan, bar, view):
    """Carry out what the student pressed (or what an opened link asks)."""
    if bar.reset:
        session.drop_trainer()
        session.keep_run(None)
    elif bar.train:
        train(state, upload, plan, bar, view)
    elif bar.step:
        step(state, upload, plan, bar.step_epochs)
    elif session.take_autorun() and plan.problem is None:
        open_link(state, upload, plan, bar, view)


def equations(state, plan):
    if not state.teacher.shows("equations"):
        return
    with st.expander("The equations, with this network's shapes", icon=":material/functions:",
                     key=EQUATIONS, on_change="rerun") as section:
        if section.open:                              # drawn only when the student opens it
            panels.forward_panel(plan, plan.shape.batch_rows)
            panels.backward_panel(plan, plan.shape.batch_rows)


def by_hand(state, upload, run):
    with st.expander("One step by hand: the numbers of a training step, layer by layer",
                     icon=":material/calculate:", key=BY_HAND, on_change="rerun") as section:
        if not section.open:                          # drawn only when the student opens it
            return
        ready = services.prepared(run.plan.data, upload=upload)
        T_train, _ = ready.targets(run.plan.output_units)
        step_by_hand_section(run.net, run.plan.config, ready.X_train, T_train,
                             row_names=[f"table row {i + 1}" for i in ready.train_rows])


def main():
    state = frame.open_page("Train")
    live_view.arrive()                  # counted in the server's crowd before its page is built
    state, upload, task_notes = settings_from_sidebar(state, Panel(state.teacher))
    st.title("Train a network")
    frame.show_notes()
    for note in task_notes:
        st.info(plain(note), icon=":material/info:")
    plan = services.plan(state.data, state.train, upload=upload)
    for note in plan.cap_notes:
        st.warning(plain(note), icon=":material/speed:")
    if plan.problem is not None:
        st.error(plain(plan.problem), icon=":material/block:")
    predictions.ask(plan, session.last_run(), state.teacher)
    bar = ControlBar(plan)
    view = live_view.LiveView(services.prepared(state.data, upload=upload), plan)
    act(state, upload, plan, bar, view)
    run = session.last_run()
    current = run is not None and run.plan == plan
    view.show(run if current else None)
    bar.status(run if current else None, session.trainer_for(plan) is not None)
    if run is not None:
        if not current:
            st.info("The settings changed since this run: the pictures above show the new "
                    "network before training. Below is the last run.", icon=":material/history:")
        predictions.verdict(run)
        if current and plan.problem is None and state.teacher.shows("hand"):
            by_hand(state, upload, run)
    equations(state, plan)
    if run is not None:
        results(state, run, upload)
    share(state, run, current)


def share(state, run, current):
    """The page's link. A paused run (trained with these settings) is shared as that run
    paused after the same epoch, so it opens with exactly the weights on screen."""
    if current and run.paused:
        epochs = run.result.epochs_run
        frame.share_footer(state, PATH, with_result=True, paused_at=epochs,
                           caption=f"This run is paused after epoch {epochs}: the link trains "
                                   "the same run to that epoch and pauses there, so it shows "
                                   "exactly the result on screen.")
    else:
        frame.share_footer(state, PATH, with_result=run is not None)


main()
