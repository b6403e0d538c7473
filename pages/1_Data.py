"""Data page: choose a dataset or upload a CSV file, look at it, and see what scaling does."""
from dataclasses import replace

import streamlit as st

from labapp.compute.data_profile import PREVIEW_ROWS, preview
from labapp.ui import controls, frame, services, session
from labapp.ui.widgets import Panel
from labapp.views import charts, run_charts
from labapp.views.plain_text import plain

PATH = "Data"
#: At most this many features get their own small chart; the rest are picked one at a time.
GRID_FEATURES = 12


def choose_data(state):
    """The data controls; returns the new state and the table (or stops with the error)."""
    data = controls.data_controls(Panel(state.teacher), state.data)
    state = replace(state, data=data)
    session.save_state(state)
    upload = session.upload_for(data)
    try:
        return state, services.table(data, upload=upload), upload
    except ValueError as problem:
        st.title("Data")
        st.error(plain(problem), icon=":material/error:")
        st.stop()


def summary(table):
    st.title(f"Data: {plain(table.title)}")
    cells = st.columns(4)
    cells[0].metric("Rows N", f"{len(table.X):,}")
    cells[1].metric("Features D", f"{table.X.shape[1]:,}")
    cells[2].metric("Task", table.task)
    cells[3].metric("Classes" if table.labels is not None else "Targets",
                    table.n_classes if table.labels is not None else table.n_targets)
    st.markdown(f"The network sees the features as a matrix X of shape **(N, D) = "
                f"({len(table.X):,}, {table.X.shape[1]:,})**: one row per sample, one column "
                "per feature.")
    for note in table.notes:
        st.caption(plain(note))


def table_and_stats(data, table, upload):
    st.subheader("The table")
    st.dataframe(preview(table), height=260)
    st.caption(f"The first {min(PREVIEW_ROWS, len(table.X)):,} rows; the target is the last "
               "column.")
    st.subheader("Column statistics")
    st.dataframe(services.column_stats(data, upload=upload))
    st.caption("Features on very different scales (compare the std column) make gradient "
               "descent zig-zag: one learning rate is too large for some weights and too small "
               "for others. That is why the lab scales them.")


def feature_grid(table, draw, title: str, caption: str):
    """One small chart per feature (the first GRID_FEATURES of them)."""
    st.subheader(title)
    names = table.feature_names[:GRID_FEATURES]
    for start in range(0, len(names), 3):
        for cell, j in zip(st.columns(3), range(start, min(start + 3, len(names)))):
            cell.altair_chart(draw(j))
    more = len(table.feature_names) - len(names)
    st.caption(caption + (f" The other {more} features are left out here." if more else ""))


def target_column(table):
    if table.labels is not None:
        return [table.class_names[c] for c in table.labels], True
    return table.values[:, 0], False


def distributions(table):
    feature_grid(table, lambda j: charts.histogram(table.X[:, j], table.feature_names[j]),
                 "Histograms", "How each feature's values are spread. Long tails and outliers "
                 "pull a max-abs or min-max scaler.")
    target, categorical = target_column(table)
    feature_grid(table, lambda j: charts.feature_vs_target(
        table.X[:, j], target, table.feature_names[j], table.target_names[0], categorical),
        "Each feature against the target",
        "A clear trend means the feature alone says something about the target.")


def correlation(data, upload):
    st.subheader("Correlations")
    matrix, names = services.correlations(data, upload=upload)
    st.altair_chart(charts.matrix_heatmap(matrix, "Pearson correlation", "", "", names, names))
    st.caption("+1: two columns rise together; −1: one falls as the other rises; 0: no linear "
               "link. Strongly correlated features carry overlapping information.")


def plane(data, upload):
    points = services.split_points(data, upload=upload)
    if points is None:
        return
    st.subheader("The points")
    st.vega_lite_chart(run_charts.scatter_2d(**points))
    st.caption("Each synthetic row is a point (x1, x2): circles are training rows, triangles "
               "test rows. The network must learn where one class ends and the next begins.")


def scaling(data, table, upload):
    st.subheader("Raw against scaled values")
    summary_table = services.scaling_summary(data, upload=upload)
    st.dataframe(summary_table, hide_index=True)
    feature = st.selectbox("Feature", range(len(table.feature_names)),
                           format_func=lambda j: table.feature_names[j], key="view.feature")
    ready = services.prepared(data, upload=upload)
    st.altair_chart(charts.raw_vs_scaled(table.X[ready.train_rows, feature],
                                         ready.X_train[:, feature], table.feature_names[feature]))
    st.caption(f"The {data.scaler} scaler computes (x − offset)/scale with an offset and a "
               "scale learned from the training rows only; test rows are transformed with the "
               "same numbers. Fitting on every row would let the test rows shape the scaling "
               "before the network is tested on them (leakage).")


def main():
    state = frame.open_page("Data")
    state, table, upload = choose_data(state)
    summary(table)
    frame.show_notes()
    table_and_stats(state.data, table, upload)
    plane(state.data, upload)
    distributions(table)
    correlation(state.data, upload)
    scaling(state.data, table, upload)
    frame.share_footer(state, PATH, with_result=False)


main()
