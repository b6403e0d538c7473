"""Altair charts of a sweep. Each function takes tables and returns a chart; none draws. Diverged runs are drawn as red crosses at the top, never left out."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..settings.page_settings import AXIS_LABELS
from .charts import SIDE_COLOURS, tips

__all__ = ["axis_line", "heatmap", "cell_labels", "importance_bars", "run_scatter",
           "seed_strip", "colour_domain", "run_curves", "parallel_coordinates", "MAX_CURVE_RUNS", "CELL_WIDTH",
           "CELL_HEIGHT"]

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


#: The heatmaps' cells: wide and tall enough for a value of four digits in 13-px text.
CELL_WIDTH, CELL_HEIGHT = 64, 40


def cell_labels(table: pd.DataFrame) -> pd.Series:
    """What each heatmap cell says: its mean final test loss to three significant digits, or
    "diverged" when no run of it finished."""
    return pd.Series([f"{m:.3g}" if np.isfinite(m) else "diverged" for m in
                      table["test_mean"].astype(float)], index=table.index)


def colour_domain(table: pd.DataFrame) -> tuple[float, float]:
    """The smallest and largest finite mean test loss: one colour scale for several heatmaps."""
    means = table["test_mean"].astype(float)
    finite = means[np.isfinite(means)]
    return (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)


def heatmap(table: pd.DataFrame, x_axis: str, y_axis: str, domain=None, title: str = ""):
    """Two axes: mean final test loss per cell, written in the cell, a red × above the value
    where runs diverged; ``domain`` (low, high) fixes the colour scale so that several heatmaps
    (one per value of a third axis) share it."""
    means = table["test_mean"].astype(float)
    low, high = domain or colour_domain(table)
    frame = table.assign(label=cell_labels(table), mark=["×" * (d > 0) for d in table["diverged"]],
                         dark=means.fillna(high) < (low + high) / 2)
    x = alt.X(f"{x_axis}:O", title=AXIS_LABELS[x_axis], axis=alt.Axis(labelAngle=0))
    y = alt.Y(f"{y_axis}:O", title=AXIS_LABELS[y_axis])
    rect = alt.Chart().mark_rect().encode(
        x=x, y=y, color=alt.Color("test_mean:Q", title="test loss",
                                  scale=alt.Scale(scheme="viridis", domain=[low, high])),
        tooltip=tips("config", "test_mean", "test_std", "runs", "diverged"))
    value = alt.Chart().mark_text(fontSize=13, dy=4).encode(
        x=x, y=y, text=alt.Text("label:N"),
        color=alt.condition(alt.datum.dark, alt.value("white"), alt.value("black")))
    cross = alt.Chart().mark_text(color=_CROSS, fontSize=15, fontWeight="bold", dy=-11).encode(
        x=x, y=y, text=alt.Text("mark:N"))
    return alt.layer(rect, value, cross, data=frame).properties(
        width=alt.Step(CELL_WIDTH), height=alt.Step(CELL_HEIGHT), title=title)


def importance_bars(shares: pd.DataFrame):
    """Each setting's share of the spread of the final test loss, as a bar with its percent."""
    frame = shares.assign(percent=[f"{100 * s:.0f}%" for s in shares["share"]])
    y = alt.Y("setting:N", title=None, sort="-x")
    x = alt.X("share:Q", title="share of the spread explained",
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    bars = alt.Chart().mark_bar(color="#1f77b4").encode(x=x, y=y, tooltip=tips("setting",
                                                                                "percent"))
    text = alt.Chart().mark_text(align="left", dx=4).encode(x=x, y=y, text="percent:N")
    return alt.layer(bars, text, data=frame).properties(height=alt.Step(36))


def run_scatter(runs: pd.DataFrame, axis: str):
    """Every run's final test loss against its value of ``axis`` (log x for the learning rate),
    diverged runs as red crosses above the rest."""
    finished = runs[~runs["diverged"].astype(bool)]
    x = _x(axis, axis == "learning_rate")
    dots = alt.Chart(finished).mark_circle(size=40, opacity=0.6).encode(
        x=x, y=alt.Y("final_test_loss:Q", title="final test loss", scale=alt.Scale(zero=False)),
        tooltip=tips("config", "seed", "final_test_loss"))
    crosses = runs[runs["diverged"].astype(bool)].assign(top=_top(finished["final_test_loss"]))
    marks = alt.Chart(crosses).mark_point(shape="cross", size=90, color=_CROSS, filled=True)\
        .encode(x=x, y=alt.Y("top:Q"), tooltip=tips("config", "seed"))
    return alt.layer(dots, marks).properties(height=240)


def seed_strip(pair: pd.DataFrame):
    """The per-seed final test losses of the best and the runner-up: a dot per seed, a tick
    at each one's mean."""
    y = alt.Y("role:N", title=None, sort=["best", "runner-up"])
    x = alt.X("loss:Q", title="final test loss", scale=alt.Scale(zero=False))
    dots = alt.Chart().mark_circle(size=70, opacity=0.7).encode(
        x=x, y=y, color=alt.Color("role:N", legend=None), tooltip=tips("config", "seed", "loss"))
    means = alt.Chart().mark_tick(thickness=3, size=30, color="black").encode(
        x=alt.X("mean(loss):Q"), y=y)
    return alt.layer(dots, means, data=pair).properties(height=alt.Step(48))


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
