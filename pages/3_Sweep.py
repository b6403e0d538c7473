"""Sweep page: vary one to three settings over several seeds, see what wins and whether the
win is bigger than the seed-to-seed noise."""
import streamlit as st

from labapp.compute import sweep_importance, sweep_setup, sweep_tables, sweep_verdict
from labapp.settings.page_settings import AXIS_LABELS
from labapp.ui import experiment_controls, frame, predictions, services, session
from labapp.ui.running import stoppable
from labapp.views import sweep_charts

PATH = "Sweep"


def work_summary(settings, cost):
    drawn = ""
    if settings.search == "random":
        drawn = (f" ({cost.configs:,} configurations drawn at random × {settings.seeds:,} "
                 "seeds)")
    st.markdown(f"**Total work:** {cost.runs:,} runs{drawn}, {cost.epochs:,} epochs in all, "
                f"about {cost.multiply_adds / 1e6:,.0f} million multiply-adds: about "
                f"{cost.seconds:.1f} s of computing.")
    if cost.problem:
        st.error(cost.problem, icon=":material/block:")


def guess_box(settings):
    """Predict, then run: the student's guess of the winning value of the first axis."""
    axis, question = sweep_verdict.guess_question(settings)
    return axis, predictions.guess_box(question, key="sweep.guess")


def draw_progress(area, progress):
    with area.container():
        fraction = progress.epochs_done / max(progress.epochs_total, 1)
        st.progress(min(fraction, 1.0), text=sweep_tables.progress_text(progress))


def run_now(settings, guess):
    with stoppable(experiment_controls.stop_sweep_button, draw_progress) as live:
        result = services.sweep_run(settings, live,
                                    on_stop=lambda kept: session.keep_sweep(settings, kept, guess))
        session.keep_sweep(settings, result, guess)


def outcome(result, table):
    if result.cancelled:
        st.info(f"Stopped: {len(result.records):,} of {result.runs_total:,} runs finished; "
                "the results below use those.", icon=":material/pause_circle:")
    else:
        st.success(f"{result.runs_total:,} runs finished in {result.seconds:.1f} s.",
                   icon=":material/check_circle:")
    diverged = int(table["diverged"].sum())
    if diverged:
        st.warning(f"{diverged:,} runs diverged (their loss blew up). They are marked with a red "
                   "× and left out of the means, not hidden.", icon=":material/warning:")


def guess_result(kept, table):
    axis, guess = kept.guess
    if predictions.answered(guess):
        options = kept.settings.axis_values().get(axis)
        predictions.show(sweep_verdict.guess_outcome(axis, guess, table, options))


def heatmaps(table, axes):
    """One heatmap for two axes; for three, one per value of the third, sharing one colour
    scale, two to a row (one on a phone)."""
    if len(axes) == 2:
        st.altair_chart(sweep_charts.heatmap(table, axes[0], axes[1]), width="stretch")
        return
    facet, domain = axes[2], sweep_charts.colour_domain(table)
    values = sorted(table[facet].unique())
    for start in range(0, len(values), 2):
        for column, value in zip(st.columns(2), values[start:start + 2]):
            title = f"{AXIS_LABELS[facet]} {sweep_tables.value_text(facet, value)}"
            column.altair_chart(sweep_charts.heatmap(table[table[facet] == value], axes[0],
                                                     axes[1], domain, title), width="stretch")


def main_chart(result, table, continuous):
    axes = result.axes
    if continuous:
        return                         # a random search's learning rates: the scatter shows it
    st.subheader("Final loss by configuration")
    if len(axes) == 1:
        st.altair_chart(sweep_charts.axis_line(table, axes[0]))
        st.caption("Lines are the mean over seeds of the final loss, the band ± one standard "
                   "deviation. A red × at the top marks a value where runs diverged.")
    else:
        heatmaps(table, axes)
        st.caption("Each cell shows the mean final test loss over seeds (darker is lower)"
                   + (f", one heatmap per {AXIS_LABELS[axes[2]]}" if len(axes) == 3 else "")
                   + ". A red × marks a cell where runs diverged.")


def importance_view(result, runs, continuous):
    st.subheader("Which setting mattered most?")
    found = sweep_importance.importance(runs, result.axes, continuous)
    if found is None:
        st.markdown("Too few runs finished to tell.")
    else:
        st.altair_chart(sweep_charts.importance_bars(found.shares))
        st.markdown(sweep_importance.sentence(found))
        st.caption("A setting's share is how much of the spread of the runs' final test loss "
                   "its values' own means account for: a share near 100% means that knowing "
                   "this setting alone nearly tells you the loss.")
    st.markdown("**Every run against each setting**")
    for column, axis in zip(st.columns(len(result.axes)), result.axes):
        column.altair_chart(sweep_charts.run_scatter(runs, axis))
    st.caption("Each dot is one run's final test loss; red crosses at the top are runs that "
               "diverged.")


def edge_view(settings, table):
    for note in sweep_verdict.edge_notes(settings, table):
        st.warning(note, icon=":material/open_in_full:")


def verdict_view(result, table):
    st.subheader("Is the best really better?")
    verdict = sweep_verdict.verdict(result, table)
    if verdict is None:
        st.markdown("There is no runner-up to compare with: sweep more values.")
        return
    words, picture = st.columns([3, 2])
    words.markdown(verdict.sentence)
    pair = sweep_verdict.pair_scores(result, table)
    picture.altair_chart(sweep_charts.seed_strip(pair))
    means = sweep_verdict.pair_means(pair)
    picture.caption(f"Each dot is one seed's final test loss, the tick their mean: the best "
                    f"{means['best']:.4g}, the runner-up {means['runner-up']:.4g}.")


def best_table(table):
    st.subheader("Best configurations")
    best = sweep_tables.best_configs(table)
    st.dataframe(best[["config", "test_mean", "test_std", "train_mean", "runs", "diverged"]]
                 .rename(columns={"test_mean": "test loss (mean)", "test_std": "test loss (std)",
                                  "train_mean": "train loss (mean)"}), hide_index=True)


def curves_view(result, table):
    st.subheader("Loss curves of every run")
    configs = list(sweep_tables.best_configs(table, top=len(table))["config"])
    chosen = st.selectbox("Highlight a configuration", configs, key="view.config")
    st.altair_chart(sweep_charts.run_curves(sweep_tables.curves_table(result), chosen))
    st.caption("Test loss per epoch of every run (grey), the chosen configuration's seeds in "
               "red. Runs that diverged stop where their loss became infinite.")


def parallel_view(result, runs):
    st.subheader("Every run at once")
    st.altair_chart(sweep_charts.parallel_coordinates(runs, result.axes))
    st.caption("Parallel coordinates: each line is one run, through its settings and its "
               "final losses, each column scaled from its smallest (0) to its largest (1) value. "
               "Diverged runs are red and end above the top.")


def downloads(runs):
    st.subheader("Downloads")
    st.download_button("Results (CSV)", data=runs.to_csv(index=False), file_name="sweep.csv",
                       mime="text/csv", icon=":material/table_view:")


def results(state, kept):
    result = kept.result
    if not result.records:
        st.warning("The sweep was stopped before any run finished.", icon=":material/warning:")
        return
    table, runs = sweep_tables.summary(result), sweep_tables.runs_table(result)
    outcome(result, table)
    if kept.guess is not None:
        guess_result(kept, table)
    continuous = sweep_setup.continuous_axes(kept.settings)
    main_chart(result, table, continuous)
    edge_view(kept.settings, table)
    shown = state.teacher.shows
    if shown("verdict"):
        verdict_view(result, table)
    if shown("importance"):
        importance_view(result, runs, continuous)
    best_table(table)
    curves_view(result, table)
    if shown("parallel"):
        parallel_view(result, runs)
    if shown("downloads"):
        downloads(runs)


def main():
    state = frame.open_experiment(
        "Sweep", "sweep", experiment_controls.sweep_controls, "Sweep: what really matters?",
        "Choose one to three settings to vary in the sidebar. Every configuration is trained "
        "once per seed, so you can see whether a winner wins by more than luck.")
    settings = state.sweep
    cost = services.sweep_cost(settings)
    work_summary(settings, cost)
    guess = guess_box(settings) if state.teacher.shows("guess") else None
    pressed = experiment_controls.run_sweep_button(disabled=cost.problem is not None)
    if (pressed or session.take_autorun()) and cost.problem is None:
        run_now(settings, guess)
    kept = session.last_sweep()
    if kept is None and cost.problem is None:
        st.info("Press Run the sweep to train every configuration.", icon=":material/info:")
    elif kept is not None:
        if kept.settings != settings:
            st.info("The settings changed since this sweep: press Run the sweep to see their "
                    "result. Below is the last sweep.", icon=":material/history:")
        results(state, kept)
    stopped = kept is not None and kept.settings == settings and kept.result.cancelled
    frame.share_footer(state, PATH, with_result=kept is not None,
                       caption="This sweep was stopped before it finished; copy this link to "
                               "share its settings, and opening it runs the whole sweep."
                       if stopped else None)


main()
