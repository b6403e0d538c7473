"""Train page: build a network, train it with a live loss curve, and look inside the result."""
from dataclasses import replace
from functools import partial

import streamlit as st

from labapp.compute import run_captions
from labapp.compute.reproduction_script import reproduction_script
from labapp.compute.run_report import metric_cards
from labapp.settings.share_links import stopped_run_state
from labapp.ui import controls, frame, panels, services, session
from labapp.ui.live_progress import LiveProgress
from labapp.ui.widgets import Panel
from labapp.views import charts
from labapp.views.plain_text import plain

PATH = "Train"


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


def draw_progress(area, progress, loss_name):
    """One frame of the live view: a progress bar and the loss curves so far."""
    with area.container():
        st.progress(progress.epoch / progress.epochs,
                    text=f"Epoch {progress.epoch:,} of {progress.epochs:,}")
        st.altair_chart(charts.loss_curves(progress.train_curve.copy(),
                                           progress.test_curve.copy(), loss_name))


def train_now(state, upload, plan):
    """Train with live progress; Stop (or any change) keeps what was trained. A server without
    memory for the run says so."""
    stop = st.empty()
    stop.button("Stop", icon=":material/stop:", help="Stops after the current epoch and keeps "
                "the weights trained so far.")
    area = st.empty()
    live = LiveProgress(partial(draw_progress, area, loss_name=plan.config.loss))
    try:
        run = services.train_run(state.data, state.train, upload, live,
                                 on_stop=session.keep_run)
    except ValueError as problem:
        st.error(plain(problem), icon=":material/hourglass_top:")
        return
    finally:
        stop.empty()
        area.empty()
    session.keep_run(run)


def network_section(state, plan, run):
    with st.expander("The network and its equations", expanded=True, icon=":material/hub:"):
        weights = run.net.weights if run is not None and run.plan == plan else None
        panels.equations_panel(plan, plan.shape.batch_rows, weights,
                               equations=state.teacher.shows("equations"))


def outcome(run):
    result = run.result
    if result.diverged:
        st.error(f"**The training diverged.** {result.message} The curves below show the "
                 "epochs before it blew up.", icon=":material/warning:")
    elif result.stop_reason == "callback":
        st.info(result.message, icon=":material/pause_circle:")
    else:
        st.success(result.message, icon=":material/check_circle:")
    stalled = run_captions.stall_warning(result, run.plan.network["sizes"][1:-1])
    if stalled:
        st.warning(stalled, icon=":material/trending_flat:")
    for cell, (label, shown) in zip(st.columns(4), metric_cards(result, run.report).items()):
        cell.metric(label, shown)
    st.caption(f"Measured after training with every unit on (no dropout). The loss is "
               f"{run.plan.config.loss}; — means there are no test rows.")


def curves(run):
    history, config = run.result.history, run.plan.config
    st.subheader("Loss during training")
    st.altair_chart(charts.loss_curves(history.train_loss, history.test_loss, config.loss))
    dropped = bool(config.dropout) or bool(config.dropconnect)
    st.caption(run_captions.loss_caption(run.result, config.batch_size, dropped))
    rule = run_captions.step_rule_caption(config)
    if rule:
        st.caption(rule)
    st.altair_chart(charts.metric_curves(history.train_metric, history.test_metric,
                                         history.metric_name))
    st.caption(f"{history.metric_name} per epoch, as the engine records it (R² for the mse "
               "and sse losses, accuracy otherwise).")


def classification_views(run):
    report, class_names = run.report, run.plan.facts.class_names
    st.subheader("Which classes it confuses")
    st.altair_chart(charts.confusion_heatmap(report.confusion, class_names))
    st.caption(f"Rows are the actual class of each {report.evaluated} row, columns the "
               "predicted class: the diagonal holds the correct answers.")
    if report.grid is not None:
        st.subheader("Decision boundary")
        st.altair_chart(charts.decision_boundary(report.grid, class_names))
        st.caption("The background is the network's answer at every point of the plane; "
                   "circles are training rows and triangles test rows. Where the colour "
                   "changes, the network changes its mind.")


def regression_views(run):
    report, names = run.report, run.plan.facts.target_names
    st.subheader("Predictions against actual values")
    column = 0
    if len(names) > 1:
        column = st.selectbox("Target", range(len(names)), format_func=lambda k: names[k],
                              key="view.target")
    st.altair_chart(charts.predicted_vs_actual(report.actual[:, column],
                                               report.predicted[:, column], report.side,
                                               names[column]))
    st.caption("A perfect network puts every point on the dashed line y = x. Points above it "
               "are over-estimates, points below under-estimates.")


def weight_views(run):
    st.subheader("Weights")
    st.caption("Each heatmap is one weight matrix W of shape (inputs, units): row i, column j "
               "is the weight from input i to unit j. Blue is positive, red negative.")
    for layer, W in enumerate(run.net.weights, start=1):
        st.altair_chart(charts.matrix_heatmap(W, f"W{layer}: {W.shape}", "input", "unit"))


def gradient_views(run):
    history = run.result.history
    st.subheader("Gradients per layer")
    st.altair_chart(charts.layer_curves(history.grad_norm, "layer", "‖∂L/∂W‖", log=True))
    st.caption(run_captions.gradient_caption(history.grad_norm))
    if history.dead_fraction.size:
        relu = [h for h in range(history.dead_fraction.shape[1])
                if run.plan.network["activation"][h] == "relu"]
        if relu:
            st.subheader("Dead ReLU units")
            st.altair_chart(charts.layer_curves(history.dead_fraction[:, relu],
                                                "hidden layer", "share of dead units", log=False))
            st.caption(run_captions.dead_caption(history.dead_fraction[:, relu]))


def gradcheck_view(run, upload):
    st.subheader("Gradient check")
    st.caption("Compares backprop's gradient with central finite differences, "
               "(L(θ+ε) − L(θ−ε))/2ε for every parameter, at the initial weights on a few "
               "training rows. A relative error near 1e-8 means backprop is right.")
    if not st.button("Check the gradients", icon=":material/fact_check:"):
        return
    try:
        errors = services.gradient_check(run.plan.data, run.plan.train, upload=upload)
    except ValueError as problem:
        st.info(f"This run's gradients cannot be checked now: {plain(problem)}")
        return
    if errors is None:
        st.info("This network is too large to check on the shared server.")
        return
    st.altair_chart(charts.gradcheck_bars(errors))
    st.dataframe({"parameter": list(errors), "relative error": list(errors.values())},
                 hide_index=True)
    st.caption(run_captions.gradcheck_caption(errors))


def downloads(run):
    st.subheader("Downloads")
    cells = st.columns(3)
    cells[0].download_button("History (CSV)", data=run.result.history.to_csv,
                             file_name="history.csv", mime="text/csv",
                             icon=":material/table_view:")
    cells[1].download_button("Weights (.npz)", data=run.weights_npz, file_name="weights.npz",
                             mime="application/octet-stream", icon=":material/download:")
    cells[2].download_button("Reproduction script (.py)", data=partial(reproduction_script, run),
                             file_name="reproduce_run.py", mime="text/x-python",
                             icon=":material/code:")


def results(state, run, upload):
    """Everything about a finished run, drawn from the run itself (never from the data again:
    the student may have uploaded another file since)."""
    outcome(run)
    curves(run)
    if run.plan.facts.task == "classification":
        classification_views(run)
    else:
        regression_views(run)
    shown = state.teacher.shows
    for section, draw in (("weights", partial(weight_views, run)),
                          ("gradients", partial(gradient_views, run)),
                          ("gradcheck", partial(gradcheck_view, run, upload)),
                          ("downloads", partial(downloads, run))):
        if shown(section):
            draw()


def main():
    state = frame.open_page("Train")
    state, upload, task_notes = settings_from_sidebar(state, Panel(state.teacher))
    st.title("Train a network")
    st.markdown("Set up the network and its training in the sidebar, then press **Train**. "
                "The loss curve updates while it trains; **Stop** keeps what was trained.")
    frame.show_notes()
    for note in task_notes:
        st.info(plain(note), icon=":material/info:")
    plan = services.plan(state.data, state.train, upload=upload)
    for note in plan.cap_notes:
        st.warning(plain(note), icon=":material/speed:")
    if plan.problem is not None:
        st.error(plain(plan.problem), icon=":material/block:")
    network_section(state, plan, session.last_run())
    pressed = st.button("Train", type="primary", icon=":material/play_arrow:",
                        disabled=plan.problem is not None)
    if (pressed or session.take_autorun()) and plan.problem is None:
        train_now(state, upload, plan)
    run = session.last_run()
    current = run is not None and run.plan == plan
    if run is None:
        st.info("Press Train to train this network.", icon=":material/info:")
    else:
        if not current:
            st.info("The settings changed since this run: press Train to see their result. "
                    "Below is the last run.", icon=":material/history:")
        results(state, run, upload)
    share(state, run, current)


def share(state, run, current):
    """The page's link. A run stopped by the student (``current``: trained with these settings)
    is shared as a run of the epochs it did, which ends with exactly the weights on screen; a
    link to the full run would not."""
    if current and run.result.stop_reason == "callback":
        epochs = run.result.epochs_run
        frame.share_footer(state, PATH, with_result=True,
                           caption=f"This run was stopped after epoch {epochs}, so the link "
                                   f"trains {epochs} epochs: copy it to share exactly the result "
                                   "on screen.",
                           result_state=stopped_run_state(state, epochs))
    else:
        frame.share_footer(state, PATH, with_result=run is not None)


main()
