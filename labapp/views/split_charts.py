"""Altair charts of the split experiments. Each function takes tables and returns a chart;
none draws."""
from __future__ import annotations

import altair as alt
import pandas as pd

from .charts import SIDE_COLOURS, tips

__all__ = ["spread_line", "fold_points", "capacity_curves"]


def spread_line(table: pd.DataFrame, x: str, x_title: str, y_title: str, percent: bool = False):
    """Means with a min–max band per series (``series``): the split experiments' charts."""
    axis = alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format="%") if percent else alt.Axis())
    base = alt.Chart(table).encode(x=axis, color=alt.Color("series:N", title=None))
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("min:Q"), y2=alt.Y2("max:Q"))
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean:Q", title=y_title), tooltip=tips(x, "series", "mean", "std", "min", "max"))
    return alt.layer(band, line)


def fold_points(table: pd.DataFrame):
    """Test loss of each fold and of each single hold-out split, side by side."""
    return alt.Chart(table).mark_tick(thickness=3, size=30).encode(
        x=alt.X("kind:N", title=None), y=alt.Y("test_loss:Q", title="test loss",
                                               scale=alt.Scale(zero=False)),
        color=alt.Color("kind:N", title=None, legend=None), tooltip=tips("kind", "test_loss"))


def capacity_curves(epochs, train_loss, test_loss):
    """Mean train and test loss over the seeds at the recorded epochs."""
    frame = pd.concat([pd.DataFrame({"epoch": epochs, "loss": train_loss, "side": "train"}),
                       pd.DataFrame({"epoch": epochs, "loss": test_loss, "side": "test"})])
    return alt.Chart(frame).mark_line().encode(
        x=alt.X("epoch:Q"),
        y=alt.Y("loss:Q", title="loss (mean over seeds)", scale=alt.Scale(zero=False)),
        color=alt.Color("side:N", title=None, scale=SIDE_COLOURS), tooltip=tips("side", "epoch", "loss"))
