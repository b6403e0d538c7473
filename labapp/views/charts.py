"""Altair charts for the pages. Each function takes plain arrays and returns a chart; none draws.

Charts that could hold many rows take at most :data:`MAX_POINTS` of them (an even sample), so a
large upload never sends a huge chart to the browser.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

__all__ = ["loss_curves", "metric_curves", "layer_curves", "confusion_heatmap",
           "predicted_vs_actual", "decision_boundary", "matrix_heatmap", "gradcheck_bars",
           "histogram", "feature_vs_target", "scatter_2d", "raw_vs_scaled", "MAX_POINTS"]

MAX_POINTS = 3000
_SIDE_COLOURS = alt.Scale(domain=["train", "test"], range=["#1f77b4", "#ff7f0e"])
_CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                  "#7f7f7f", "#bcbd22", "#17becf"]


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


def _lines(curves: dict[str, np.ndarray], y_title: str, log: bool):
    frame = _curves_frame(curves)
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    colours = _SIDE_COLOURS if set(curves) == {"train", "test"} else _class_scale(list(curves))
    return alt.Chart(frame).mark_line().encode(
        x=alt.X("epoch:Q", title="epoch"), y=alt.Y("value:Q", title=y_title, scale=scale),
        color=alt.Color("curve:N", title=None, scale=colours),
        tooltip=["curve", "epoch", "value"])


def loss_curves(train_loss: np.ndarray, test_loss: np.ndarray, loss_name: str):
    """Training and test loss per epoch; a log axis when the loss spans decades."""
    curves = {"train": np.asarray(train_loss), "test": np.asarray(test_loss)}
    log = _log_scale_fits(np.concatenate(list(curves.values())))
    return _lines(curves, f"{loss_name} loss" + (" (log scale)" if log else ""), log)


def metric_curves(train_metric: np.ndarray, test_metric: np.ndarray, metric_name: str):
    """Training and test metric (R² or accuracy) per epoch."""
    return _lines({"train": train_metric, "test": test_metric}, metric_name, log=False)


def layer_curves(values: np.ndarray, label: str, y_title: str, log: bool):
    """One line per layer of an ``(E, L)`` history array, named ``label 1``, ``label 2``, …"""
    curves = {f"{label} {l + 1}": values[:, l] for l in range(values.shape[1])}
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
                                    tooltip=["row", "column", "value"])
    return cells + base.mark_text(fontSize=11).encode(text="value:Q")


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
        color=colour, tooltip=["row", "column", "value"])


def predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray, side: np.ndarray,
                        target_name: str):
    """Each row's prediction against its actual value, with the line y = x."""
    frame = _even_sample(pd.DataFrame({"actual": actual, "predicted": predicted, "side": side}))
    finite = frame[np.isfinite(frame["predicted"])]
    low = float(min(finite["actual"].min(), finite["predicted"].min(), 0) if len(finite) else 0)
    high = float(max(finite["actual"].max(), finite["predicted"].max()) if len(finite) else 1)
    line = alt.Chart(pd.DataFrame({"actual": [low, high], "predicted": [low, high]})) \
        .mark_line(color="#888", strokeDash=[4, 4]).encode(x="actual:Q", y="predicted:Q")
    points = alt.Chart(finite).mark_circle(size=28, opacity=0.7).encode(
        x=alt.X("actual:Q", title=f"actual {target_name}"),
        y=alt.Y("predicted:Q", title=f"predicted {target_name}"),
        color=alt.Color("side:N", title=None, scale=_SIDE_COLOURS),
        tooltip=["side", "actual", "predicted"])
    return line + points


def _points_layer(points: np.ndarray, labels: np.ndarray, side: np.ndarray, class_names):
    frame = _even_sample(pd.DataFrame({"x1": points[:, 0], "x2": points[:, 1],
                                       "class": np.asarray(class_names)[labels], "side": side}))
    return alt.Chart(frame).mark_point(filled=True, size=40, stroke="black", strokeWidth=0.4) \
        .encode(x=alt.X("x1:Q", title="x1"), y=alt.Y("x2:Q", title="x2"),
                color=alt.Color("class:N", title="class", scale=_class_scale(class_names)),
                shape=alt.Shape("side:N", title=None,
                                scale=alt.Scale(domain=["train", "test"],
                                                range=["circle", "triangle-up"])),
                tooltip=["class", "side", "x1", "x2"])


def decision_boundary(grid, class_names):
    """The network's answer over the plane (P(class 1) for two classes, else the predicted
    class), with the training points as circles and the test points as triangles."""
    names = np.asarray([str(n) for n in class_names])
    step = float(np.diff(np.unique(grid.x1))[:1].sum() or 1.0)
    frame = pd.DataFrame({"x1": grid.x1, "x2": grid.x2, "x1_end": grid.x1 + step,
                          "x2_end": grid.x2 + step})
    if grid.p1 is not None:
        frame["P(class 1)"] = grid.p1
        colour = alt.Color("P(class 1):Q", scale=alt.Scale(scheme="blueorange", domain=[0, 1]))
    else:
        frame["predicted"] = names[grid.predicted]
        colour = alt.Color("predicted:N", legend=None, scale=_class_scale(names))
    background = alt.Chart(frame).mark_rect(opacity=0.4).encode(
        x=alt.X("x1:Q", title="x1", scale=alt.Scale(zero=False, nice=False)), x2="x1_end:Q",
        y=alt.Y("x2:Q", title="x2", scale=alt.Scale(zero=False, nice=False)), y2="x2_end:Q",
        color=colour)
    layered = alt.layer(background, _points_layer(grid.points, grid.labels, grid.side, names))
    return layered.resolve_scale(color="independent")


def gradcheck_bars(errors: dict[str, float]):
    """Relative error per parameter array on a log axis, with the 1e-5 line a correct
    backprop stays under."""
    frame = pd.DataFrame({"parameter": list(errors), "relative error":
                          [max(e, 1e-16) for e in errors.values()]})
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("parameter:N", sort=list(errors)),
        y=alt.Y("relative error:Q", scale=alt.Scale(type="log")),
        tooltip=["parameter", "relative error"])
    rule = alt.Chart(pd.DataFrame({"y": [1e-5]})).mark_rule(color="#d62728", strokeDash=[4, 4]) \
        .encode(y="y:Q")
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
        tooltip=["feature", "target"])


def scatter_2d(points: np.ndarray, side: np.ndarray, labels=None, class_names=(), values=None):
    """The 2-D points of a synthetic set, train and test marked, coloured by class (``labels``)
    or by target value (``values``, for regression)."""
    if labels is not None:
        return _points_layer(points, labels, side, np.asarray([str(n) for n in class_names]))
    frame = _even_sample(pd.DataFrame({"x1": points[:, 0], "x2": points[:, 1],
                                       "target": values, "side": side}))
    return alt.Chart(frame).mark_point(filled=True, size=40).encode(
        x="x1:Q", y="x2:Q", color=alt.Color("target:Q", scale=alt.Scale(scheme="viridis")),
        shape=alt.Shape("side:N", title=None), tooltip=["x1", "x2", "target", "side"])


def raw_vs_scaled(raw: np.ndarray, scaled: np.ndarray, feature: str):
    """Each training row's raw value against its scaled value, for one feature."""
    frame = _even_sample(pd.DataFrame({"raw": raw, "scaled": scaled}))
    return alt.Chart(frame, height=180).mark_circle(size=18).encode(
        x=alt.X("raw:Q", title=f"raw {feature}"), y=alt.Y("scaled:Q", title=f"scaled {feature}"),
        tooltip=["raw", "scaled"])
