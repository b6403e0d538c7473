"""Splits page: how much a test score depends on the split, the amount of data, the model's size
and dropout."""
import streamlit as st

from labapp.compute import predictions as guesses
from labapp.compute import split_captions, split_experiments, split_tables
from labapp.compute.split_pieces import EXPERIMENTS
from labapp.ui import experiment_controls, frame, predictions, split_run
from labapp.views import split_charts

PATH = "Splits"


def draw(charts) -> None:
    """Each chart at the page's full width (the gap's chart below its losses)."""
    for chart in charts:
        st.altair_chart(chart, width="stretch")


def ratio_view(settings, rows, answer):
    table = split_tables.ratio_table(rows)
    draw(split_charts.spread_charts(
        table, "train_ratio", "share of rows used for training", "final loss",
        split_captions.network_title(settings), percent=True))
    st.caption(f"For each share, {settings.repeats} random splits: the line is their mean, the "
               "band runs from the lowest to the highest. " + split_captions.ratio_caption(table))
    if predictions.answered(answer):
        predictions.show(guesses.ratio_outcome(answer, table))


def learning_view(settings, rows):
    table = split_tables.learning_table(rows)
    draw(split_charts.spread_charts(table, "n_train", "training rows", "final loss",
                                    split_captions.network_title(settings)))
    st.caption("One fixed test set per repeat; the network trains on growing parts of the "
               "remaining rows. " + split_captions.learning_caption(table))


def kfold_view(settings, found):
    table = split_tables.kfold_table(found)
    numbers = split_captions.kfold_numbers(table)
    draw([split_charts.fold_points(table, split_captions.network_title(settings))])
    cells = st.columns(2)
    cells[0].metric("k-fold test loss (mean)", f"{numbers['fold_mean']:.3g}")
    cells[1].metric("Single hold-outs (range)",
                    f"{numbers['holdout_min']:.3g} – {numbers['holdout_max']:.3g}")
    st.caption(split_captions.kfold_caption(table))


def capacity_view(settings, result):
    table = split_tables.capacity_table(result)
    st.dataframe(table.rename(columns={"hidden_width": "hidden units", "train_loss": "train loss",
                                       "test_loss": "test loss", "gap": "gap (mean)",
                                       "gap_std": "gap (std)"}), hide_index=True)
    st.caption(split_captions.capacity_caption(table, settings.small, settings.large))
    curves = split_tables.curves_table(result, settings.large, 0.0)
    title = split_captions.network_title(settings, settings.large)
    draw(split_charts.capacity_curves(curves, title, "no dropout, mean of 3 seeds"))
    st.caption(split_captions.curves_caption(curves))


HEADINGS = {"ratio": "The split ratio as an experiment", "learning": "Learning curve",
            "capacity": "Model size and dropout against the gap"}
VIEWS = {"learning": learning_view, "kfold": kfold_view, "capacity": capacity_view}


def heading(settings, name):
    return HEADINGS.get(name) or f"{settings.folds}-fold cross-validation against one hold-out " \
                                 "split"


def ratio_guess(asks):
    """The guess before the split-ratio experiment (None: not answered yet, so it waits)."""
    if not asks:
        return None, False
    answer = predictions.guess_box(guesses.RATIO_QUESTION, key="splits.guess", waits=True)
    if answer is None:
        st.info("Choose your guess above (or no guess) and this experiment runs.",
                icon=":material/psychology:")
    return answer, answer is None


def main():
    state = frame.open_experiment(
        "Splits", "splits", experiment_controls.split_controls,
        "Train and test: how much does the split matter?",
        "The same small network, trained again and again on different splits of the same data. "
        "Every chart shows the spread, because one run can mislead.")
    settings = state.splits
    note = split_experiments.setup(settings).note
    if note:
        st.warning(note, icon=":material/speed:")
    shown = state.teacher.shows
    top = st.container()
    places = {name: st.container() for name in EXPERIMENTS if shown(name)}
    for name, place in places.items():
        place.subheader(heading(settings, name))
    answer, waiting = None, False
    if "ratio" in places:
        with places["ratio"]:
            answer, waiting = ratio_guess(shown("guess"))
    wanted = [name for name in places if not (name == "ratio" and waiting)]
    with top:
        results = split_run.obtain(settings, wanted)
    for name in wanted:
        with places[name]:
            if name not in results:
                st.caption("Stopped before it finished: press Run the rest above.")
            elif name == "ratio":
                ratio_view(settings, results[name], answer)
            else:
                VIEWS[name](settings, results[name])
    frame.share_footer(state, PATH, with_result=False)


main()
