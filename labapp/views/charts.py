"""Charts for the pages. Each function takes plain arrays and returns an Altair chart, none
draws; the charts every run draws are Vega-Lite dicts (:mod:`.run_charts`), sharing the colours
and the even sample defined here.

Charts that could hold many rows take at most :data:`MAX_POINTS` of them (an even sample), so a
large upload never sends a huge chart to the browser.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

__all__ = ["predicted_vs_actual", "matrix_heatmap", "gradcheck_bars", "histogram",
           "feature_vs_target", "raw_vs_scaled", "tips", "class_colours", "even_sample",
           "log_scale_fits", "cells_frame", "MAX_POINTS", "SIDE_COLOURS"]

MAX_POINTS = 3000
SIDE_COLOURS = {"domain": ["train", "test"], "range": ["#1f77b4", "#ff7f0e"]}
_CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                  "#7f7f7f", "#bcbd22", "#17becf"]


def tips(*fields) -> list[alt.Tooltip]:
    """Tooltips for ``fields``, built as channel objects: Altair turns a plain field name into
    one by searching its schema, which takes about 2 ms a name on every redraw."""
    return [alt.Tooltip(field) for field in fields]


def class_colours(names) -> dict:
    """One colour per class name, the same in every chart (class 0 blue, class 1 orange), as a
    Vega-Lite scale."""
    names = [str(n) for n in names]
    return {"domain": names,
            "range": [_CLASS_COLOURS[i % len(_CLASS_COLOURS)] for i in range(len(names))]}


def even_sample(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) <= MAX_POINTS:
        return frame
    return frame.iloc[np.linspace(0, len(frame) - 1, MAX_POINTS).astype(int)]


def log_scale_fits(values: np.ndarray) -> bool:
    """A log axis when every value is positive and they span more than two decades."""
    finite = values[np.isfinite(values)]
    return finite.size > 1 and finite.min() > 0 and finite.max() / finite.min() > 100


def cells_frame(matrix: np.ndarray, rows: list[str], columns: list[str]) -> pd.DataFrame:
    """A matrix as one row per cell: its row's and column's names and its value."""
    r, c = np.meshgrid(np.arange(matrix.shape[0]), np.arange(matrix.shape[1]), indexing="ij")
    return pd.DataFrame({"row": np.array(rows)[r.ravel()], "column": np.array(columns)[c.ravel()],
                         "value": matrix.ravel()})


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
    frame = cells_frame(np.nan_to_num(matrix), rows, columns)
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
    frame = even_sample(pd.DataFrame({"actual": actual, "predicted": predicted, "side": side}))
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
    frame = even_sample(pd.DataFrame({"value": values}))
    return alt.Chart(frame, height=140).mark_bar().encode(
        x=alt.X("value:Q", bin=alt.Bin(maxbins=30), title=name), y=alt.Y("count()", title="rows"))


def feature_vs_target(x: np.ndarray, y: np.ndarray, feature: str, target: str, categorical: bool):
    """One feature against the target: a scatter (regression) or a strip per class."""
    frame = even_sample(pd.DataFrame({"feature": x, "target": y}))
    kind = "N" if categorical else "Q"
    return alt.Chart(frame, height=160).mark_circle(size=18, opacity=0.5).encode(
        x=alt.X("feature:Q", title=feature), y=alt.Y(f"target:{kind}", title=target),
        tooltip=tips("feature", "target"))


def raw_vs_scaled(raw: np.ndarray, scaled: np.ndarray, feature: str):
    """Each training row's raw value against its scaled value, for one feature."""
    frame = even_sample(pd.DataFrame({"raw": raw, "scaled": scaled}))
    return alt.Chart(frame, height=180).mark_circle(size=18).encode(
        x=alt.X("raw:Q", title=f"raw {feature}"), y=alt.Y("scaled:Q", title=f"scaled {feature}"),
        tooltip=tips("raw", "scaled"))
