"""The Train page's plot of the data and the network's answer, drawn with the kit in
:mod:`.picture_kit`: the decision boundary (or output surface) with the points over it for 2-D
data, else the rows over their first two features coloured by the network's prediction.
Training rows are circles, test rows triangles.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ..compute.unit_maps import Answer, UnitMaps
from .picture_kit import (CLASS_COLOURS, GREY, INK, TINTS, WHITE, Picture, answer_colours,
                          plane_marks, short, stamp, text_font, to_box)

__all__ = ["data_plot", "PLOT_SIZE"]

#: The plot's size.
PLOT_SIZE = (440, 440)


def _ticks(low: float, high: float) -> np.ndarray:
    """Three to six round values between ``low`` and ``high``."""
    span = (high - low) or 1.0
    step = 10 ** np.floor(np.log10(span / 4))
    step *= next(k for k in (1, 2, 5, 10) if span / (step * k) <= 6)
    return np.arange(np.ceil(low / step), np.floor(high / step) + 1) * step


def _axes(image, draw, box, ranges, names):
    """Tick values on both axes of the plot ``box`` and the axis ``names``."""
    font, (left, top, right, bottom) = text_font(11), box
    for value in _ticks(*ranges[0]):
        x = to_box(value, *ranges[0], left, right - left - 1)
        draw.line([(x, bottom), (x, bottom + 4)], fill=INK)
        draw.text((x, bottom + 6), f"{value + 0.0:.4g}", fill=INK, font=font, anchor="ma")
    for value in _ticks(*ranges[1]):
        y = to_box(value, *ranges[1], top, bottom - top - 1, True)
        draw.line([(left - 4, y), (left - 1, y)], fill=INK)
        draw.text((left - 6, y), f"{value + 0.0:.4g}", fill=INK, font=font, anchor="rm")
    draw.text(((left + right) / 2, bottom + 22), short(names[0], font, right - left),
              fill=INK, font=font, anchor="ma")
    label = Image.new("RGB", (bottom - top, 16), WHITE)
    ImageDraw.Draw(label).text((label.width / 2, 1), short(names[1], font, label.width),
                               fill=INK, font=font, anchor="ma")
    image.paste(label.rotate(90, expand=True), (2, top))
    draw.rectangle((left - 1, top - 1, right, bottom), outline=INK)


def _legend(image, draw, answer: Answer, swatches, y: int):
    """One line under the title: what the colours mean (``swatches``: class colours and
    names, or None for a colour bar), then the marks."""
    font, x = text_font(11), 8
    if swatches is not None:
        for colour, name in swatches:
            text = short(name, font, 70)
            if x + 14 + font.getlength(text) > PLOT_SIZE[0] - 150:
                draw.text((x, y), "…", fill=INK, font=font)
                break
            draw.rectangle((x, y + 2, x + 10, y + 12), fill=tuple(map(int, colour)), outline=INK)
            draw.text((x + 14, y), text, fill=INK, font=font)
            x += 22 + font.getlength(text)
    else:
        low, high = f"{answer.low:.3g}", f"{answer.high:.3g}"
        draw.text((x, y), low, fill=INK, font=font)
        x = int(x + font.getlength(low) + 4)
        bar = answer_colours(answer, np.linspace(answer.low, answer.high, 120))
        image.paste(Image.fromarray(np.repeat(bar[None], 10, axis=0)), (x, y + 2))
        draw.text((x + 124, y), high, fill=INK, font=font)
    x = PLOT_SIZE[0] - 130
    draw.ellipse((x, y + 3, x + 8, y + 11), fill=GREY, outline=INK)
    draw.polygon([(x + 66, y + 2), (x + 61, y + 11), (x + 71, y + 11)], fill=GREY, outline=INK)
    draw.text((x + 11, y), "training", fill=INK, font=font)
    draw.text((x + 74, y), "test", fill=INK, font=font)


def _range(values) -> tuple[float, float]:
    """The finite ``values``' span with 5 % to spare each side (0..1 when there are none)."""
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    margin = 0.05 * (high - low) or 0.5
    return low - margin, high + margin


def _row_marks(canvas, maps: UnitMaps, box):
    """The sampled rows over their first two features (or the feature and the network's
    output), coloured by the prediction; wrongly classified rows get a black edge."""
    where, answer, (left, top, right, bottom) = maps.scene, maps.answer, box
    second = where.points[:, 1] if len(where.feature_names) > 1 else answer.values
    ranges = (_range(where.points[:, 0]), _range(second))
    x = to_box(where.points[:, 0], *ranges[0], left, right - left - 1)
    y = to_box(second, *ranges[1], top, bottom - top - 1, True)
    wrong, fills = None, answer_colours(answer)
    if answer.kind != "value":
        predicted = answer.values > 0.5 if answer.kind == "probability" else answer.values
        fills = CLASS_COLOURS[predicted.astype(np.int64) % len(CLASS_COLOURS)]
        wrong = predicted != where.labels
    stamp(canvas, np.column_stack([x, y]), fills, where.side, 3, wrong)
    return ranges


def _plot_title(maps: UnitMaps) -> str:
    """The plot's title: what the colours show."""
    kind, where = maps.answer.kind, maps.scene
    answer = {"probability": "P(class 1)", "class": "the predicted class",
              "value": f"the predicted {where.target_name}"}[kind]
    if where.plane is not None:
        return f"The network's answer over the plane: {answer}."
    if kind == "value":
        return f"Each row coloured by {answer}."
    return "Each row coloured by its predicted class; a black edge marks a wrong one."


def _swatches(maps: UnitMaps):
    """The legend's class colours and names: the predicted classes' (or the map's tints), or
    None when a colour bar explains the colours."""
    where = maps.scene
    if where.task != "classification" or (where.plane is not None
                                          and maps.answer.kind == "probability"):
        return None
    colours = TINTS if where.plane is not None else CLASS_COLOURS
    return [(colours[code % len(colours)], name) for code, name in enumerate(where.class_names)]


def data_plot(maps: UnitMaps) -> Picture:
    """The data and the network's answer in one frame (see the module docstring)."""
    canvas = np.full((PLOT_SIZE[1], PLOT_SIZE[0], 3), 255, np.uint8)
    box = (58, 46, PLOT_SIZE[0] - 12, PLOT_SIZE[1] - 42)
    if maps.scene.plane is not None:
        ranges = plane_marks(canvas, maps, box, 3)
    else:
        ranges = _row_marks(canvas, maps, box)
    image = Image.fromarray(canvas)
    draw = ImageDraw.Draw(image)
    draw.text((8, 4), short(_plot_title(maps), text_font(12), PLOT_SIZE[0] - 16), fill=INK,
              font=text_font(12))
    _legend(image, draw, maps.answer, _swatches(maps), 24)
    _axes(image, draw, box, ranges, maps.scene.axis_names)
    caption = "Circles are training rows, triangles test rows."
    if len(maps.scene.points) < maps.scene.total_rows:
        caption += (f" An even sample of {len(maps.scene.points):,} of the "
                    f"{maps.scene.total_rows:,} rows is shown.")
    return Picture(image, {"plot": box}, caption)
