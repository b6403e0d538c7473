"""What the Train page shows about a run (finished, stopped or paused), drawn from the run
itself and never from the data again: the student may have uploaded another file since."""
from functools import partial

import streamlit as st

from ..compute import run_captions
from ..compute.reproduction_script import reproduction_script
from ..compute.run_report import metric_cards
from ..settings.seed_presets import POST_REPORTS, preset_differences
from ..views import charts, run_charts
from ..views.plain_text import plain
from . import services

__all__ = ["results", "weight_labels", "download_files", "INSIDE"]

#: The key of the section of weight matrices and gradients, drawn only when open.
INSIDE = "view.inside"


def outcome(run):
    result, plan = run.result, run.plan
    message = run_captions.outcome_message(result)
    if result.diverged:
        st.error(message, icon=":material/warning:")
    elif result.stop_reason in ("callback", "paused"):
        st.info(message, icon=":material/pause_circle:")
    else:
        st.success(message, icon=":material/check_circle:")
    stalled = None if run.paused else \
        run_captions.stall_warning(result, plan.network["sizes"][1:-1], plan.config.learning_rate)
    if stalled:
        st.warning(stalled, icon=":material/trending_flat:")
    cards = metric_cards(result, run.report)
    for cell, (label, shown) in zip(st.columns(4), cards.items()):
        cell.metric(label, shown)
    st.caption(run_captions.cards_caption(plan.config.loss, plan.facts.has_test, cards))
    post_line(run, cards)


def post_line(run, cards):
    """For a run on a seed preset's data: what the post reports beside what this run got."""
    plan = run.plan
    differences = preset_differences(plan.data, plan.train, plan.config.epochs)
    if differences is not None:
        st.info(run_captions.post_comparison(POST_REPORTS[plan.data.dataset], cards,
                                             differences), icon=":material/article:")


def curves(run):
    """The metric during training (the loss curve is drawn at the top of the page)."""
    history = run.result.history
    name = run_captions.metric_name(history.metric_name)
    st.subheader(f"{name[:1].upper()}{name[1:]} during training")
    st.vega_lite_chart(run_charts.metric_curves(history.train_metric, history.test_metric, name),
                       width="stretch")
    st.caption(run_captions.metric_caption(history.metric_name, run.report.metric_name))


def classification_views(run):
    report, class_names = run.report, run.plan.facts.class_names
    st.subheader("Which classes it confuses")
    st.vega_lite_chart(run_charts.confusion_heatmap(report.confusion, class_names))
    st.caption(f"Rows are the actual class of each of the {int(report.confusion.sum()):,} "
               f"{report.evaluated} rows, columns the predicted class: the diagonal holds the "
               "correct answers.")
    if report.grid is not None:
        st.subheader("Decision boundary")
        st.vega_lite_chart(run_charts.decision_boundary(report.grid, class_names),
                           width="content")
        st.caption("The background is the network's answer at every point of the plane, one "
                   "cell per grid point, with both axes on the same scale; circles are training "
                   "rows and triangles test rows. Where the colour changes, the network changes "
                   "its mind.")


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


def _named(names, count: int, prefix: str) -> list[str]:
    names = [str(n) for n in names]
    if len(names) == count and len(set(names)) == count:
        return names
    return [f"{prefix}{i}" for i in range(1, count + 1)]


def weight_labels(plan, layer: int, shape: tuple[int, int]) -> tuple[list[str], list[str]]:
    """Row and column names of weight matrix ``layer`` (1-based): the input features or the
    previous hidden layer's units h1…hn, and this layer's units h1…hn or the outputs."""
    facts, last = plan.facts, len(plan.network["sizes"]) - 1
    rows = _named(facts.feature_names, shape[0], "x") if layer == 1 else \
        _named((), shape[0], "h")
    if layer < last:
        return rows, _named((), shape[1], "h")
    outputs = facts.class_names if facts.task == "classification" and shape[1] > 1 else \
        facts.target_names if facts.task == "regression" else ("y",)
    return rows, _named(outputs, shape[1], "y")


def _axis_titles(layer: int, last: int) -> tuple[str, str]:
    rows = "input feature (scaled)" if layer == 1 else f"unit of hidden layer {layer - 1}"
    return rows, ("output" if layer == last else f"unit of hidden layer {layer}")


def weight_views(run):
    st.subheader("Weights")
    st.caption("Each heatmap is one weight matrix W of shape (inputs, units): the cell in row "
               "i, column j is the weight from input i to unit j. W1's rows are the input "
               "features as the network gets them (after scaling); later rows are the previous "
               "layer's units h1, h2, …. Blue is positive, red negative.")
    last = len(run.net.weights)
    for layer, W in enumerate(run.net.weights, start=1):
        rows, columns = weight_labels(run.plan, layer, W.shape)
        st.altair_chart(charts.matrix_heatmap(W, f"W{layer}: {W.shape}",
                                              *_axis_titles(layer, last), rows, columns))


def gradient_views(run):
    history = run.result.history
    st.subheader("Gradients per layer")
    st.vega_lite_chart(run_charts.layer_curves(history.grad_norm, "layer", "‖∂L/∂W‖", log=True),
                       width="stretch")
    st.caption(run_captions.gradient_caption(history.grad_norm))
    if history.dead_fraction.size:
        relu = [h for h in range(history.dead_fraction.shape[1])
                if run.plan.network["activation"][h] == "relu"]
        if relu:
            numbers = [h + 1 for h in relu]
            st.subheader("Dead ReLU units")
            st.vega_lite_chart(run_charts.layer_curves(history.dead_fraction[:, relu],
                                                       "hidden layer", "share of dead units",
                                                       log=False, numbers=numbers),
                               width="stretch")
            st.caption(run_captions.dead_caption(history.dead_fraction[:, relu], numbers))


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


def download_files(run) -> dict[str, bytes]:
    """The downloads' contents, made now as bytes. Streamlit 1.67 gives a callable (deferred)
    download a new id on every rerun and drops the old one when the rerun ends, so a click
    that still holds the old id finds nothing ("Deferred file … not found"); bytes are kept
    until one rerun later."""
    return {"history.csv": run.result.history.to_csv().encode(),
            "weights.npz": run.weights_npz(),
            "reproduce_run.py": reproduction_script(run).encode()}


_DOWNLOADS = (("History (CSV)", "history.csv", "text/csv", ":material/table_view:"),
              ("Weights (.npz)", "weights.npz", "application/octet-stream",
               ":material/download:"),
              ("Reproduction script (.py)", "reproduce_run.py", "text/x-python",
               ":material/code:"))


def downloads(run):
    """The three downloads. A click downloads without rerunning the page (``on_click=
    "ignore"``), so the other buttons keep their files."""
    st.subheader("Downloads")
    files = download_files(run)
    for cell, (label, name, mime, icon) in zip(st.columns(3), _DOWNLOADS):
        cell.download_button(label, data=files[name], file_name=name, mime=mime, icon=icon,
                             on_click="ignore")


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
    inside = [draw for section, draw in (("weights", partial(weight_views, run)),
                                         ("gradients", partial(gradient_views, run)))
              if shown(section)]
    if inside:
        with st.expander("Inside the numbers: the weight matrices and the gradients per layer",
                         icon=":material/grid_view:", key=INSIDE, on_change="rerun") as section:
            if section.open:                          # drawn only when the student opens it
                for draw in inside:
                    draw()
    for section, draw in (("gradcheck", partial(gradcheck_view, run, upload)),
                          ("downloads", partial(downloads, run))):
        if shown(section):
            draw()
