"""Charts for the pages. Each function takes plain arrays and returns a chart, none draws: an
Altair chart, or for the line charts of a run's history (redrawn in every live frame) a
Vega-Lite spec as a plain dict, drawn with ``st.vega_lite_chart``.

Charts that could hold many rows take at most :data:`MAX_POINTS` of them (an even sample), so a
large upload never sends a huge chart to the browser.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

__all__ = ["loss_curves", "metric_curves", "layer_curves", "confusion_heatmap",
           "predicted_vs_actual", "decision_boundary", "matrix_heatmap", "gradcheck_bars",
           "histogram", "feature_vs_target", "scatter_2d", "raw_vs_scaled", "cell_edges",
           "MAX_POINTS", "SIDE_COLOURS"]

MAX_POINTS = 3000
SIDE_COLOURS = alt.Scale(domain=["train", "test"], range=["#1f77b4", "#ff7f0e"])
_CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                  "#7f7f7f", "#bcbd22", "#17becf"]


def tips(*fields) -> list[alt.Tooltip]:
    """Tooltips for ``fields``, built as channel objects: Altair turns a plain field name into
    one by searching its schema, which takes about 2 ms a name on every redraw."""
    return [alt.Tooltip(field) for field in fields]


def _class_scale(names) -> alt.Scale:
    """One colour per class name, the same in every chart (class 0 blue, class 1 orange)."""
    names = [str(n) for n in names]
    colours = [_CLASS_COLOURS[i % len(_CLASS_COLOURS)] for i in range(len(names))]
    return alt.Scale(domain=names, range=colours)


def _even_sample(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) <= MAX_POINTS:
        return frame
    return frame.iloc[np.linspace(0, len(frame) - 1, MAX_POINTS).astype(int)]


def _log_scale_fits(values: np.ndarray) -> bool:
    """A log axis when every value is positive and they span more than two decades."""
    finite = values[np.isfinite(values)]
    return finite.size > 1 and finite.min() > 0 and finite.max() / finite.min() > 100


def _curves_frame(curves: dict[str, np.ndarray]) -> pd.DataFrame:
    frames = [pd.DataFrame({"epoch": np.arange(1, len(v) + 1), "value": v, "curve": name})
              for name, v in curves.items() if len(v) and np.isfinite(v).any()]
    if not frames:
        return pd.DataFrame({"epoch": [], "value": [], "curve": []})
    return _even_sample(pd.concat(frames, ignore_index=True).replace([np.inf, -np.inf], np.nan))


def _lines(curves: dict[str, np.ndarray], y_title: str, log: bool) -> dict:
    """One line per curve against the epoch, as a Vega-Lite spec written as a plain dict (draw
    it with ``st.vega_lite_chart``): these charts are redrawn in every live frame of a run, and
    a dict costs a fraction of a millisecond where Altair's conversion of the same chart costs
    about 7 ms."""
    frame = _curves_frame(curves)
    colours = SIDE_COLOURS if set(curves) == {"train", "test"} else _class_scale(list(curves))
    few = len(frame) <= 20 * len(curves)             # a few epochs: mark each one
    return {"data": frame, "mark": {"type": "line", "point": few},
            "encoding": {
                "x": {"field": "epoch", "type": "quantitative", "title": "epoch",
                      "axis": {"format": "d", "tickMinStep": 1}},
                "y": {"field": "value", "type": "quantitative", "title": y_title,
                      "scale": {"type": "log"} if log else {"zero": False}},
                "color": {"field": "curve", "type": "nominal", "title": None,
                          "scale": {"domain": list(colours.domain), "range": list(colours.range)}},
                "tooltip": [{"field": "curve", "type": "nominal"},
                            {"field": "epoch", "type": "quantitative"},
                            {"field": "value", "type": "quantitative"}]}}


def loss_curves(train_loss: np.ndarray, test_loss: np.ndarray, loss_name: str):
    """Training and test loss per epoch; a log axis when the loss spans decades."""
    curves = {"train": np.asarray(train_loss), "test": np.asarray(test_loss)}
    log = _log_scale_fits(np.concatenate(list(curves.values())))
    return _lines(curves, f"{loss_name} loss" + (" (log scale)" if log else ""), log)


def metric_curves(train_metric: np.ndarray, test_metric: np.ndarray, metric_name: str):
    """Training and test metric (R² or accuracy) per epoch."""
    return _lines({"train": train_metric, "test": test_metric}, metric_name, log=False)


def layer_curves(values: np.ndarray, label: str, y_title: str, log: bool, numbers=None):
    """One line per layer of an ``(E, L)`` history array, named ``label 1``, ``label 2``, …
    (or ``label n`` for each of ``numbers``, the layers' own numbers)."""
    numbers = list(numbers) if numbers is not None else list(range(1, values.shape[1] + 1))
    curves = {f"{label} {n}": values[:, l] for l, n in enumerate(numbers)}
    log = log and _log_scale_fits(values.ravel())
    return _lines(curves, y_title + (" (log scale)" if log else ""), log)


def _cells(matrix: np.ndarray, rows: list[str], columns: list[str]) -> pd.DataFrame:
    r, c = np.meshgrid(np.arange(matrix.shape[0]), np.arange(matrix.shape[1]), indexing="ij")
    return pd.DataFrame({"row": np.array(rows)[r.ravel()], "column": np.array(columns)[c.ravel()],
                         "value": matrix.ravel()})


def confusion_heatmap(matrix: np.ndarray, class_names):
    """Counts of (actual, predicted) class pairs, with the counts written in the cells."""
    names = [str(n) for n in class_names]
    frame = _cells(matrix, names, names)
    base = alt.Chart(frame).encode(
        x=alt.X("column:N", title="predicted", sort=names),
        y=alt.Y("row:N", title="actual", sort=names))
    cells = base.mark_rect().encode(color=alt.Color("value:Q", title="count",
                                                    scale=alt.Scale(scheme="blues")),
                                    tooltip=tips("row", "column", "value"))
    return cells + base.mark_text(fontSize=11).encode(text=alt.Text("value:Q"))


#: A heatmap draws at most this many rows and columns: a browser draws 64 × 64 cells at once,
#: 256 × 256 for each of ten layers would hold a student's tab for minutes.
MAX_HEATMAP_SIDE = 64


def matrix_heatmap(matrix: np.ndarray, title: str, row_title: str, column_title: str,
                   row_labels=None, column_labels=None):
    """A weight matrix (or any 2-D array), blue positive and red negative, centred on 0; rows
    and columns are numbered from 1 unless labelled. Beyond :data:`MAX_HEATMAP_SIDE` rows or
    columns, the first ones are drawn and the title says so."""
    rows = [str(r) for r in row_labels] if row_labels is not None else \
        [str(i + 1) for i in range(matrix.shape[0])]
    columns = [str(c) for c in column_labels] if column_labels is not None else \
        [str(j + 1) for j in range(matrix.shape[1])]
    if max(matrix.shape) > MAX_HEATMAP_SIDE:
        shown = (min(matrix.shape[0], MAX_HEATMAP_SIDE), min(matrix.shape[1], MAX_HEATMAP_SIDE))
        title = f"{title}, the first {shown[0]} × {shown[1]} shown"
        matrix = matrix[: shown[0], : shown[1]]
        rows, columns = rows[: shown[0]], columns[: shown[1]]
    frame = _cells(np.nan_to_num(matrix), rows, columns)
    largest = float(np.abs(frame["value"]).max()) or 1.0
    colour = alt.Color("value:Q", title="value",
                       scale=alt.Scale(scheme="redblue", domain=[-largest, largest]))
    return alt.Chart(frame, title=title).mark_rect().encode(
        x=alt.X("column:O", title=column_title, sort=columns,
                axis=alt.Axis(labels=len(columns) <= 30)),
        y=alt.Y("row:O", title=row_title, sort=rows, axis=alt.Axis(labels=len(rows) <= 30)),
        color=colour, tooltip=tips("row", "column", "value"))


def predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray, side: np.ndarray,
                        target_name: str):
    """Each row's prediction against its actual value, with the line y = x across the values'
    own range (neither axis is forced to include 0)."""
    frame = _even_sample(pd.DataFrame({"actual": actual, "predicted": predicted, "side": side}))
    finite = frame[np.isfinite(frame["predicted"])]
    low = float(min(finite["actual"].min(), finite["predicted"].min()) if len(finite) else 0)
    high = float(max(finite["actual"].max(), finite["predicted"].max()) if len(finite) else 1)
    scale = alt.Scale(zero=False)
    line = alt.Chart(pd.DataFrame({"actual": [low, high], "predicted": [low, high]})) \
        .mark_line(color="#888", strokeDash=[4, 4]) \
        .encode(x=alt.X("actual:Q", scale=scale), y=alt.Y("predicted:Q", scale=scale))
    points = alt.Chart(finite).mark_circle(size=28, opacity=0.7).encode(
        x=alt.X("actual:Q", title=f"actual {target_name}", scale=scale),
        y=alt.Y("predicted:Q", title=f"predicted {target_name}", scale=scale),
        color=alt.Color("side:N", title=None, scale=SIDE_COLOURS),
        tooltip=tips("side", "actual", "predicted"))
    return line + points


def _points_layer(points: np.ndarray, labels: np.ndarray, side: np.ndarray, class_names,
                  x_scale=None, y_scale=None):
    frame = _even_sample(pd.DataFrame({"x1": points[:, 0], "x2": points[:, 1],
                                       "class": np.asarray(class_names)[labels], "side": side}))
    return alt.Chart(frame).mark_point(filled=True, size=40, stroke="black", strokeWidth=0.4) \
        .encode(x=alt.X("x1:Q", title="x1", scale=x_scale or alt.Scale(zero=False)),
                y=alt.Y("x2:Q", title="x2", scale=y_scale or alt.Scale(zero=False)),
                color=alt.Color("class:N", title="class", scale=_class_scale(class_names)),
                shape=alt.Shape("side:N", title=None,
                                scale=alt.Scale(domain=["train", "test"],
                                                range=["circle", "triangle-up"])),
                tooltip=tips("class", "side", "x1", "x2"))


#: The decision boundary's longer side, in pixels; its shorter side follows the data's ratio.
BOUNDARY_SIDE = 420
#: Pale versions of the class colours: the background is drawn opaque (translucent cells show
#: their shared edges as faint stripes), so it must stay lighter than the points.
_PALE = ["#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
         "#dbdb8d", "#9edae5"]


def cell_edges(centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` edges of the cells around grid ``centres`` (one axis, any order, repeats
    allowed): neighbouring cells share the midpoint between their centres exactly, so the cells
    tile the axis without gaps or overlaps."""
    axis = np.unique(centres)
    if len(axis) == 1:
        edges = np.array([axis[0] - 0.5, axis[0] + 0.5])
    else:
        middles = (axis[:-1] + axis[1:]) / 2
        edges = np.concatenate([[2 * axis[0] - middles[0]], middles,
                                [2 * axis[-1] - middles[-1]]])
    index = np.searchsorted(axis, centres)
    return edges[index], edges[index + 1]


def _square_size(x_range: float, y_range: float) -> tuple[int, int]:
    """Width and height in pixels with one data unit as long on both axes."""
    if x_range >= y_range:
        return BOUNDARY_SIDE, max(1, round(BOUNDARY_SIDE * y_range / x_range))
    return max(1, round(BOUNDARY_SIDE * x_range / y_range)), BOUNDARY_SIDE


def decision_boundary(grid, class_names):
    """The network's answer over the plane (P(class 1) for two classes, else the predicted
    class), with the training points as circles and the test points as triangles. Each grid
    point is the centre of one cell; the cells tile the plane and the plot is square in data
    units (draw it with ``width="content"`` so Streamlit keeps its size)."""
    names = np.asarray([str(n) for n in class_names])
    (x1, x1_end), (x2, x2_end) = cell_edges(grid.x1), cell_edges(grid.x2)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "x1_end": x1_end, "x2_end": x2_end})
    if grid.p1 is not None:
        field, frame["P(class 1)"] = "P(class 1):Q", grid.p1
        scale = alt.Scale(domain=[0, 0.5, 1], range=[_PALE[0], "#f7f7f7", _PALE[1]])
    else:
        field, frame["predicted"] = "predicted:N", names[grid.predicted]
        scale = alt.Scale(domain=list(names),
                          range=[_PALE[i % len(_PALE)] for i in range(len(names))])
    # Each cell's outline in its own colour covers the hairline seam anti-aliasing leaves.
    colour = alt.Color(field, scale=scale, legend=None if grid.p1 is None else alt.Legend())
    outline = alt.Stroke(field, scale=scale, legend=None)
    x_domain = [float(x1.min()), float(x1_end.max())]
    y_domain = [float(x2.min()), float(x2_end.max())]
    x_scale = alt.Scale(domain=x_domain, zero=False, nice=False)
    y_scale = alt.Scale(domain=y_domain, zero=False, nice=False)
    background = alt.Chart(frame).mark_rect(strokeWidth=0.6).encode(
        x=alt.X("x1:Q", title="x1", scale=x_scale), x2=alt.X2("x1_end:Q"),
        y=alt.Y("x2:Q", title="x2", scale=y_scale), y2=alt.Y2("x2_end:Q"), color=colour,
        stroke=outline)
    points = _points_layer(grid.points, grid.labels, grid.side, names, x_scale, y_scale)
    width, height = _square_size(np.ptp(x_domain), np.ptp(y_domain))
    return alt.layer(background, points).resolve_scale(color="independent") \
        .properties(width=width, height=height)


#: Where the gradient check's bars start: a bar on a log axis needs a positive base (from 0 it
#: would start at −∞, and Vega-Lite draws nothing).
GRADCHECK_FLOOR = 1e-16


def gradcheck_bars(errors: dict[str, float]):
    """Relative error per parameter array on a log axis, each bar from
    :data:`GRADCHECK_FLOOR` up to its error (an error of 0 sits at the floor), with the 1e-5
    line a correct backprop stays under."""
    frame = pd.DataFrame({"parameter": list(errors), "relative error":
                          [max(e, GRADCHECK_FLOOR) for e in errors.values()],
                          "floor": GRADCHECK_FLOOR})
    scale = alt.Scale(type="log", domainMin=GRADCHECK_FLOOR)
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("parameter:N", sort=list(errors), title="parameter array"),
        y=alt.Y("relative error:Q", scale=scale, title="relative error (log scale)"),
        y2=alt.Y2("floor:Q"), tooltip=tips("parameter", "relative error"))
    rule = alt.Chart(pd.DataFrame({"limit": [1e-5]})).mark_rule(color="#d62728",
                                                              strokeDash=[4, 4]) \
        .encode(y=alt.Y("limit:Q", scale=scale, title="relative error (log scale)"))
    return bars + rule


def histogram(values: np.ndarray, name: str):
    """The distribution of one column."""
    frame = _even_sample(pd.DataFrame({"value": values}))
    return alt.Chart(frame, height=140).mark_bar().encode(
        x=alt.X("value:Q", bin=alt.Bin(maxbins=30), title=name), y=alt.Y("count()", title="rows"))


def feature_vs_target(x: np.ndarray, y: np.ndarray, feature: str, target: str, categorical: bool):
    """One feature against the target: a scatter (regression) or a strip per class."""
    frame = _even_sample(pd.DataFrame({"feature": x, "target": y}))
    kind = "N" if categorical else "Q"
    return alt.Chart(frame, height=160).mark_circle(size=18, opacity=0.5).encode(
        x=alt.X("feature:Q", title=feature), y=alt.Y(f"target:{kind}", title=target),
        tooltip=tips("feature", "target"))


def scatter_2d(points: np.ndarray, side: np.ndarray, labels=None, class_names=(), values=None):
    """The 2-D points of a synthetic set, train and test marked, coloured by class (``labels``)
    or by target value (``values``, for regression)."""
    if labels is not None:
        return _points_layer(points, labels, side, np.asarray([str(n) for n in class_names]))
    frame = _even_sample(pd.DataFrame({"x1": points[:, 0], "x2": points[:, 1],
                                       "target": values, "side": side}))
    return alt.Chart(frame).mark_point(filled=True, size=40).encode(
        x=alt.X("x1:Q"), y=alt.Y("x2:Q"),
        color=alt.Color("target:Q", scale=alt.Scale(scheme="viridis")),
        shape=alt.Shape("side:N", title=None), tooltip=tips("x1", "x2", "target", "side"))


def raw_vs_scaled(raw: np.ndarray, scaled: np.ndarray, feature: str):
    """Each training row's raw value against its scaled value, for one feature."""
    frame = _even_sample(pd.DataFrame({"raw": raw, "scaled": scaled}))
    return alt.Chart(frame, height=180).mark_circle(size=18).encode(
        x=alt.X("raw:Q", title=f"raw {feature}"), y=alt.Y("scaled:Q", title=f"scaled {feature}"),
        tooltip=tips("raw", "scaled"))
