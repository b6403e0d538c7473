"""Altair charts of a sweep. Each function takes tables and returns a chart; none draws. Diverged runs are drawn as red crosses at the top, never left out."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..settings.page_settings import AXIS_LABELS
from .charts import SIDE_COLOURS, tips

__all__ = ["axis_line", "heatmap", "run_curves", "parallel_coordinates", "MAX_CURVE_RUNS"]

#: The loss-curve chart draws at most this many runs (the highlighted config's always).
MAX_CURVE_RUNS = 200
_CROSS = "#d62728"


def _x(axis: str, log: bool) -> alt.X:
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    return alt.X(f"{axis}:Q", title=AXIS_LABELS.get(axis, axis), scale=scale)


def _top(values) -> float:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(finite.max() * 1.1) if finite.size else 1.0


def axis_line(table: pd.DataFrame, axis: str):
    """One axis: final train and test loss against its values, mean ± std over seeds as a
    band; a log x-axis for the learning rate; configs with diverged runs get a cross at the top."""
    rows = []
    for side in ("train", "test"):
        mean, std = table[f"{side}_mean"], table[f"{side}_std"].fillna(0.0)
        rows.append(pd.DataFrame({axis: table[axis], "side": side, "mean": mean,
                                  "low": mean - std, "high": mean + std}))
    frame = pd.concat(rows, ignore_index=True)
    x = _x(axis, axis == "learning_rate")
    base = alt.Chart(frame).encode(x=x, color=alt.Color("side:N", title=None, scale=SIDE_COLOURS))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean:Q", title="final loss (mean over seeds)"),
        tooltip=tips(axis, "side", "mean", "low", "high"))
    crosses = table[table["diverged"] > 0].assign(top=_top(frame["high"]))
    marks = alt.Chart(crosses).mark_point(shape="cross", size=140, color=_CROSS, filled=True)\
        .encode(x=x, y=alt.Y("top:Q"),
                tooltip=[*tips(axis), alt.Tooltip("diverged:Q", title="diverged runs")])
    return alt.layer(band, line, marks)


def _cell_text(table: pd.DataFrame) -> pd.Series:
    return pd.Series(["×" * (d > 0) for d in table["diverged"]], index=table.index)


def heatmap(table: pd.DataFrame, x_axis: str, y_axis: str, facet: str | None = None):
    """Two axes: mean final test loss per cell, × where runs diverged; with ``facet``, one
    heatmap per value of the third axis (small multiples)."""
    frame = table.assign(mark=_cell_text(table))
    rect = alt.Chart().mark_rect().encode(
        x=alt.X(f"{x_axis}:O", title=AXIS_LABELS[x_axis]),
        y=alt.Y(f"{y_axis}:O", title=AXIS_LABELS[y_axis]),
        color=alt.Color("test_mean:Q", title="test loss", scale=alt.Scale(scheme="viridis")),
        tooltip=tips("config", "test_mean", "test_std", "runs", "diverged"))
    text = alt.Chart().mark_text(color=_CROSS, fontSize=16, fontWeight="bold").encode(
        x=alt.X(f"{x_axis}:O"), y=alt.Y(f"{y_axis}:O"), text=alt.Text("mark:N"))
    layered = alt.layer(rect, text, data=frame)
    if facet is None:
        return layered
    return layered.facet(column=alt.Column(f"{facet}:O", title=AXIS_LABELS[facet]))


def run_curves(curves: pd.DataFrame, highlight: str | None):
    """Every run's test loss curve, faint; the ``highlight`` config's runs drawn strong."""
    runs = curves["run"].unique()
    if len(runs) > MAX_CURVE_RUNS:
        chosen = set(curves.loc[curves["config"] == highlight, "run"])
        others = [r for r in runs if r not in chosen]
        keep = np.linspace(0, len(others) - 1, MAX_CURVE_RUNS - len(chosen)).astype(int)
        chosen |= {others[i] for i in keep}
        curves = curves[curves["run"].isin(chosen)]
    frame = curves.assign(shown=np.where(curves["config"] == highlight, "selected", "other"))
    return alt.Chart(frame).mark_line().encode(
        x=alt.X("epoch:Q"), y=alt.Y("loss:Q", title="test loss", scale=alt.Scale(type="log")),
        detail="run:N",
        color=alt.Color("shown:N", title=None,
                        scale=alt.Scale(domain=["selected", "other"],
                                        range=["#d62728", "#bbbbbb"])),
        opacity=alt.condition(alt.datum.shown == "selected", alt.value(1.0), alt.value(0.25)),
        order=alt.Order("shown:N", sort="descending"),
        tooltip=tips("config", "seed", "epoch", "loss"))


def parallel_coordinates(runs: pd.DataFrame, axes) -> alt.Chart:
    """One line per run through its axis values and its final train and test loss, each
    column scaled onto 0–1 (the learning rate on a log scale); diverged runs end at the top,
    in red."""
    columns = {}
    for axis in axes:
        values = runs[axis].astype(float)
        if axis == "learning_rate":
            values = np.log10(values)
        columns[AXIS_LABELS[axis]] = values
    for name, score in (("train loss", "final_train_loss"), ("test loss", "final_test_loss")):
        columns[name] = runs[score].astype(float).where(~runs["diverged"])
    wide = pd.DataFrame(columns)
    low, high = wide.min(), wide.max()
    scaled = (wide - low) / (high - low).replace(0, 1.0)
    scaled = scaled.fillna(1.05)
    scaled["run"] = np.arange(len(runs))
    scaled["config"] = runs["config"].to_numpy()
    scaled["outcome"] = np.where(runs["diverged"], "diverged", "finished")
    long = scaled.melt(id_vars=["run", "config", "outcome"], var_name="column",
                       value_name="position")
    order = list(columns)
    return alt.Chart(long).mark_line(opacity=0.4).encode(
        x=alt.X("column:N", sort=order, title=None),
        y=alt.Y("position:Q", title="scaled value (0 = smallest, 1 = largest)"),
        detail="run:N",
        color=alt.Color("outcome:N", title=None, scale=alt.Scale(
            domain=["finished", "diverged"], range=["#1f77b4", _CROSS])),
        tooltip=tips("config", "column"))
