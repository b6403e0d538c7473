"""The charts every run draws, and the data's plane they share a layer with, written as
Vega-Lite specs in plain dicts (draw them with ``st.vega_lite_chart``): the history curves
(redrawn in every live frame), the confusion matrix, the decision boundary and the Data page's
points. A class draws them for every student's run; a dict costs a millisecond or two where
Altair's conversion of the same chart costs 7 to 23 ms (``benchmarks/README.md``, "A class of
30"). Their tables are DataFrames, at ``"data"`` or named under ``"datasets"``, which Streamlit
sends to the browser as Arrow. The other charts are Altair charts (:mod:`.charts`), whose
colours and samples these share.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .charts import SIDE_COLOURS, cells_frame, class_colours, even_sample, log_scale_fits

__all__ = ["loss_curves", "metric_curves", "layer_curves", "confusion_heatmap",
           "decision_boundary", "cell_edges", "scatter_2d", "BOUNDARY_SIDE"]


def _dict_tips(**types: str) -> list[dict]:
    """Tooltips: each field named with its Vega-Lite type."""
    return [{"field": field, "type": kind} for field, kind in types.items()]


def _curves_frame(curves: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per epoch of each curve that has a finite value (±inf drawn as gaps), made as
    one DataFrame: these charts are redrawn in every live frame."""
    kept = {name: np.asarray(v, dtype=np.float64) for name, v in curves.items()
            if len(v) and np.isfinite(v).any()}
    lengths = [len(v) for v in kept.values()]
    values = np.concatenate(list(kept.values())) if kept else np.zeros(0)
    frame = pd.DataFrame({
        "epoch": np.concatenate([np.arange(1, n + 1) for n in lengths]) if kept else [],
        "value": np.where(np.isinf(values), np.nan, values),
        "curve": np.repeat(list(kept), lengths) if kept else []})
    return even_sample(frame)


def _lines(curves: dict[str, np.ndarray], y_title: str, log: bool) -> dict:
    """One line per curve against the epoch, as a Vega-Lite spec written as a plain dict (draw
    it with ``st.vega_lite_chart``): these charts are redrawn in every live frame of a run, and
    a dict costs a fraction of a millisecond where Altair's conversion of the same chart costs
    about 7 ms."""
    frame = _curves_frame(curves)
    colours = SIDE_COLOURS if set(curves) == {"train", "test"} else class_colours(list(curves))
    few = len(frame) <= 20 * len(curves)             # a few epochs: mark each one
    return {"data": frame, "mark": {"type": "line", "point": few},
            "encoding": {
                "x": {"field": "epoch", "type": "quantitative", "title": "epoch",
                      "axis": {"format": "d", "tickMinStep": 1}},
                "y": {"field": "value", "type": "quantitative", "title": y_title,
                      "scale": {"type": "log"} if log else {"zero": False}},
                "color": {"field": "curve", "type": "nominal", "title": None,
                          "scale": colours},
                "tooltip": _dict_tips(curve="nominal", epoch="quantitative",
                                      value="quantitative")}}


def loss_curves(train_loss: np.ndarray, test_loss: np.ndarray, loss_name: str):
    """Training and test loss per epoch; a log axis when the loss spans decades."""
    curves = {"train": np.asarray(train_loss), "test": np.asarray(test_loss)}
    log = log_scale_fits(np.concatenate(list(curves.values())))
    return _lines(curves, f"{loss_name} loss" + (" (log scale)" if log else ""), log)


def metric_curves(train_metric: np.ndarray, test_metric: np.ndarray, metric_name: str):
    """Training and test metric (R² or accuracy) per epoch."""
    return _lines({"train": train_metric, "test": test_metric}, metric_name, log=False)


def layer_curves(values: np.ndarray, label: str, y_title: str, log: bool, numbers=None):
    """One line per layer of an ``(E, L)`` history array, named ``label 1``, ``label 2``, …
    (or ``label n`` for each of ``numbers``, the layers' own numbers)."""
    numbers = list(numbers) if numbers is not None else list(range(1, values.shape[1] + 1))
    curves = {f"{label} {n}": values[:, l] for l, n in enumerate(numbers)}
    log = log and log_scale_fits(values.ravel())
    return _lines(curves, y_title + (" (log scale)" if log else ""), log)


def confusion_heatmap(matrix: np.ndarray, class_names) -> dict:
    """Counts of (actual, predicted) class pairs, with the counts written in the cells, as a
    Vega-Lite spec (drawn after every run: a dict costs about 1 ms where Altair's conversion of
    the same chart costs about 9)."""
    names = [str(n) for n in class_names]
    return {"data": cells_frame(matrix, names, names), "height": {"step": 36},
            "encoding": {"x": {"field": "column", "type": "nominal", "title": "predicted",
                               "sort": names, "axis": {"labelAngle": 0}},
                         "y": {"field": "row", "type": "nominal", "title": "actual",
                               "sort": names}},
            "layer": [{"mark": "rect",
                       "encoding": {"color": {"field": "value", "type": "quantitative",
                                              "title": "count", "scale": {"scheme": "blues"}},
                                    "tooltip": _dict_tips(row="nominal", column="nominal",
                                                          value="quantitative")}},
                      {"mark": {"type": "text", "fontSize": 11},
                       "encoding": {"text": {"field": "value", "type": "quantitative"}}}]}


def _points_layer(points: np.ndarray, labels: np.ndarray, side: np.ndarray, class_names,
                  x_scale=None, y_scale=None) -> tuple[dict, pd.DataFrame]:
    """The points as a Vega-Lite layer (its data named ``"points"``) and the rows it draws:
    class colours, circles for training rows and triangles for test rows."""
    frame = even_sample(pd.DataFrame({"x1": points[:, 0], "x2": points[:, 1],
                                       "class": np.asarray(class_names)[labels], "side": side}))
    layer = {"data": {"name": "points"},
             "mark": {"type": "point", "filled": True, "size": 40, "stroke": "black",
                      "strokeWidth": 0.4},
             "encoding": {
                 "x": {"field": "x1", "type": "quantitative", "title": "x1",
                       "scale": x_scale or {"zero": False}},
                 "y": {"field": "x2", "type": "quantitative", "title": "x2",
                       "scale": y_scale or {"zero": False}},
                 "color": {"field": "class", "type": "nominal", "title": "class",
                           "scale": class_colours(class_names)},
                 "shape": {"field": "side", "type": "nominal", "title": None,
                           "scale": {"domain": ["train", "test"],
                                     "range": ["circle", "triangle-up"]}},
                 "tooltip": _dict_tips(**{"class": "nominal", "side": "nominal",
                                          "x1": "quantitative", "x2": "quantitative"})}}
    return layer, frame


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


def decision_boundary(grid, class_names) -> dict:
    """The network's answer over the plane (P(class 1) for two classes, else the predicted
    class), with the training points as circles and the test points as triangles, as a
    Vega-Lite spec (drawn after every run: a dict costs about 2 ms where Altair's conversion of
    the same chart costs about 23). Each grid point is the centre of one cell; the cells tile
    the plane and the plot is square in data units (draw it with ``width="content"`` so
    Streamlit keeps its size)."""
    names = np.asarray([str(n) for n in class_names])
    (x1, x1_end), (x2, x2_end) = cell_edges(grid.x1), cell_edges(grid.x2)
    cells = pd.DataFrame({"x1": x1, "x2": x2, "x1_end": x1_end, "x2_end": x2_end})
    if grid.p1 is not None:
        answer, cells["P(class 1)"] = {"field": "P(class 1)", "type": "quantitative"}, grid.p1
        scale = {"domain": [0, 0.5, 1], "range": [_PALE[0], "#f7f7f7", _PALE[1]]}
    else:
        answer, cells["predicted"] = {"field": "predicted", "type": "nominal"}, \
            names[grid.predicted]
        scale = {"domain": list(names), "range": [_PALE[i % len(_PALE)] for i in range(len(names))]}
    x_domain = [float(x1.min()), float(x1_end.max())]
    y_domain = [float(x2.min()), float(x2_end.max())]
    x_scale = {"domain": x_domain, "zero": False, "nice": False}
    y_scale = {"domain": y_domain, "zero": False, "nice": False}
    # Each cell's outline in its own colour covers the hairline seam anti-aliasing leaves.
    background = {"data": {"name": "cells"}, "mark": {"type": "rect", "strokeWidth": 0.6},
                  "encoding": {
                      "x": {"field": "x1", "type": "quantitative", "title": "x1",
                            "scale": x_scale},
                      "x2": {"field": "x1_end"},
                      "y": {"field": "x2", "type": "quantitative", "title": "x2",
                            "scale": y_scale},
                      "y2": {"field": "x2_end"},
                      "color": {**answer, "scale": scale,
                                "legend": None if grid.p1 is None else {}},
                      "stroke": {**answer, "scale": scale, "legend": None}}}
    points, rows = _points_layer(grid.points, grid.labels, grid.side, names, x_scale, y_scale)
    width, height = _square_size(np.ptp(x_domain), np.ptp(y_domain))
    return {"datasets": {"cells": cells, "points": rows}, "layer": [background, points],
            "resolve": {"scale": {"color": "independent"}}, "width": width, "height": height}


def scatter_2d(points: np.ndarray, side: np.ndarray, labels=None, class_names=(),
               values=None) -> dict:
    """The 2-D points of a synthetic set, train and test marked, coloured by class (``labels``)
    or by target value (``values``, for regression), as a Vega-Lite spec."""
    if labels is not None:
        layer, rows = _points_layer(points, labels, side,
                                    np.asarray([str(n) for n in class_names]))
        return {**layer, "data": rows}
    frame = even_sample(pd.DataFrame({"x1": points[:, 0], "x2": points[:, 1],
                                       "target": values, "side": side}))
    return {"data": frame, "mark": {"type": "point", "filled": True, "size": 40},
            "encoding": {"x": {"field": "x1", "type": "quantitative"},
                         "y": {"field": "x2", "type": "quantitative"},
                         "color": {"field": "target", "type": "quantitative",
                                   "scale": {"scheme": "viridis"}},
                         "shape": {"field": "side", "type": "nominal", "title": None},
                         "tooltip": _dict_tips(x1="quantitative", x2="quantitative",
                                               target="quantitative", side="nominal")}}
