"""Splits page: how much a test score depends on the split, the amount of data, the model's size
and dropout."""
from functools import partial

import streamlit as st

from labapp.compute import predictions as guesses
from labapp.compute import split_captions, split_experiments, split_tables
from labapp.ui import experiment_controls, frame, predictions, split_services
from labapp.views import split_charts

PATH = "Splits"


def ratio_section(settings, asks):
    """The split-ratio experiment; when ``asks``, it runs once the student has guessed (or
    chosen no guess)."""
    st.subheader("The split ratio as an experiment")
    answer = predictions.guess_box(guesses.RATIO_QUESTION, key="splits.guess", waits=True) \
        if asks else None
    if asks and answer is None:
        st.info("Choose your guess above (or no guess) and this experiment runs.",
                icon=":material/psychology:")
        return
    table = split_tables.ratio_table(split_services.split_ratios(settings))
    st.altair_chart(split_charts.spread_line(table, "train_ratio", "share of rows used for "
                                             "training", "final loss", percent=True))
    st.caption(f"For each share, {settings.repeats} random splits: the line is their mean, the "
               "band runs from the lowest to the highest. " + split_captions.ratio_caption(table))
    if predictions.answered(answer):
        predictions.show(guesses.ratio_outcome(answer, table))


def learning_section(settings):
    st.subheader("Learning curve")
    table = split_tables.learning_table(split_services.learning_curve(settings))
    st.altair_chart(split_charts.spread_line(table, "n_train", "training rows", "final loss"))
    st.caption("One fixed test set per repeat; the network trains on growing parts of the "
               "remaining rows. " + split_captions.learning_caption(table))


def kfold_section(settings):
    st.subheader(f"{settings.folds}-fold cross-validation against one hold-out split")
    found = split_services.kfold(settings)
    st.altair_chart(split_charts.fold_points(split_tables.kfold_table(found)))
    cells = st.columns(2)
    cells[0].metric("k-fold test loss (mean)", f"{found['fold_mean']:.3g}")
    cells[1].metric("Single hold-outs (range)",
                    f"{found['holdout_min']:.3g} – {found['holdout_max']:.3g}")
    st.caption(split_captions.kfold_caption(found, settings.folds))


def capacity_section(settings):
    st.subheader("Model size and dropout against the gap")
    result = split_services.capacity(settings)
    table = split_tables.capacity_table(result)
    st.dataframe(table.rename(columns={"hidden_width": "hidden units", "train_loss": "train loss",
                                       "test_loss": "test loss", "gap": "gap (mean)",
                                       "gap_std": "gap (std)"}), hide_index=True)
    epochs, train, test = split_tables.mean_curves(result, settings.large, 0.0)
    st.altair_chart(split_charts.capacity_curves(epochs, train, test))
    st.caption(split_captions.capacity_caption(table, settings.small, settings.large, train, test))


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
    for section, draw in (("ratio", partial(ratio_section, asks=shown("guess"))),
                          ("learning", learning_section), ("kfold", kfold_section),
                          ("capacity", capacity_section)):
        if shown(section):
            draw(settings)
    frame.share_footer(state, PATH, with_result=False)


main()
