"""Altair charts of the split experiments. Each function takes a table (and the title that
names the network) and returns charts; none draws.

Where there is a gap (test − train loss), it gets a chart of its own below the losses, in its
own colour and dashed: two separate charts rather than one ``vconcat``, so that each can take
the page's full width (Streamlit draws a concatenated chart at Vega's default width). The
losses chart carries the title and the one legend, which names all three series.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from ..compute.split_tables import GAP, TEST, TRAIN
from .charts import tips

__all__ = ["spread_charts", "fold_points", "capacity_curves", "SERIES_COLOURS",
           "SERIES_DASHES"]

#: Train blue and test orange as on every page; the gap purple.
SERIES_COLOURS = {TRAIN: "#1f77b4", TEST: "#ff7f0e", GAP: "#7b3294"}
#: Train and test solid, the gap dashed.
SERIES_DASHES = {TRAIN: [1, 0], TEST: [1, 0], GAP: [5, 3]}
#: Whole charts' heights in pixels, title, legend and axes included: Streamlit fits a chart
#: drawn at the page's width into its height.
_LOSS_HEIGHT, _GAP_HEIGHT = 400, 200
#: The y axes' least width in pixels, so that the losses and the gap line up under each other.
_Y_AXIS_WIDTH = 48


def _legend() -> alt.Legend:
    """Line samples at full strength (the bands would otherwise make them faint), long enough to
    show the gap's dash, and small enough that the three fit on a phone's screen in one row."""
    return alt.Legend(orient="top", symbolType="stroke", symbolOpacity=1, symbolStrokeWidth=2.5,
                      symbolSize=256, columnPadding=8, labelFontSize=11)


def _series_scale(values: dict, series) -> alt.Scale:
    return alt.Scale(domain=list(series), range=[values[s] for s in series])


def _colour(series, legend: bool) -> alt.Color:
    return alt.Color("series:N", title=None, scale=_series_scale(SERIES_COLOURS, series),
                     legend=_legend() if legend else None)


def _dash(series, legend: bool) -> alt.StrokeDash:
    return alt.StrokeDash("series:N", title=None, scale=_series_scale(SERIES_DASHES, series),
                          legend=_legend() if legend else None)


def _y(field: str, title: str, zero: bool = True) -> alt.Y:
    return alt.Y(f"{field}:Q", title=title, scale=alt.Scale(zero=zero),
                 axis=alt.Axis(minExtent=_Y_AXIS_WIDTH))


def _named(series) -> list[str]:
    """The legend's series: train and test, and the gap when it has a chart of its own."""
    return [TRAIN, TEST, GAP] if GAP in set(series) else [TRAIN, TEST]


def _spread(table: pd.DataFrame, axis: alt.X, x: str, y_title: str, series, legend: bool):
    """Each series' mean as a line over a band from its lowest to its highest value."""
    base = alt.Chart(table).encode(x=axis)
    # The band takes the legend too: a layer without it would hide the shared legend.
    band = base.mark_area(opacity=0.2).encode(y=_y("min", y_title), y2=alt.Y2("max:Q"),
                                              color=_colour(series, legend))
    line = base.mark_line(point=True).encode(
        y=_y("mean", y_title), color=_colour(series, legend), strokeDash=_dash(series, legend),
        tooltip=tips(x, "series", "mean", "std", "min", "max"))
    return alt.layer(band, line)


def spread_charts(table: pd.DataFrame, x: str, x_title: str, y_title: str, title: str,
                  percent: bool = False) -> list:
    """Means with a min–max band per series (``series``): the losses chart, titled, and, when
    the table holds the gap, the gap's chart below it."""
    axis = alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format="%") if percent else alt.Axis())
    series = _named(table["series"])
    is_gap = table["series"] == GAP
    charts = [_spread(table[~is_gap], axis, x, y_title, series, legend=True)
              .properties(title=title, height=_LOSS_HEIGHT)]
    if is_gap.any():
        charts.append(_spread(table[is_gap], axis, x, "gap", [GAP], legend=False)
                      .properties(height=_GAP_HEIGHT))
    return charts


def fold_points(table: pd.DataFrame, title: str):
    """Test loss of each fold and of each single hold-out split, side by side."""
    return alt.Chart(table, title=title).mark_tick(thickness=3, size=30).encode(
        x=alt.X("kind:N", title=None), y=alt.Y("test_loss:Q", title="test loss",
                                               scale=alt.Scale(zero=False)),
        color=alt.Color("kind:N", title=None, legend=None), tooltip=tips("kind", "part",
                                                                         "test_loss"))


def _curves(curves: pd.DataFrame, y_title: str, series, legend: bool, height: int):
    return alt.Chart(curves).mark_line().encode(
        x=alt.X("epoch:Q", title="epoch"), y=_y("loss", y_title, zero=False),
        color=_colour(series, legend), strokeDash=_dash(series, legend),
        tooltip=tips("series", "epoch", "loss")).properties(height=height)


def capacity_curves(curves: pd.DataFrame, title: str, subtitle: str = "") -> list:
    """Mean train and test loss over the seeds at the recorded epochs (titled, with the legend)
    and the gap's chart below (:func:`~labapp.compute.split_tables.curves_table`). The
    ``subtitle`` goes on a line of its own, so that a phone's screen does not cut the title."""
    series = _named(curves["series"])
    is_gap = curves["series"] == GAP
    return [_curves(curves[~is_gap], "loss (mean over seeds)", series, True, _LOSS_HEIGHT)
            .properties(title=alt.TitleParams(title, subtitle=subtitle) if subtitle else title),
            _curves(curves[is_gap], "gap", [GAP], False, _GAP_HEIGHT)]
