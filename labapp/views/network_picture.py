"""The Train page's picture of the network, from inputs (left) to output (right), drawn with
the kit in :mod:`.picture_kit`. Each unit is a tile: its output over the data's plane, or its
histogram over the training rows. The lines under the tiles are the weights: blue positive,
orange negative, wider and darker the larger they are next to the layer's largest. For 2-D data
the output is a larger tile with the data points on it (training rows as circles, test rows as
triangles).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from ..compute.unit_maps import MAX_SHOWN, UnitMaps
from .picture_kit import (DIVERGING, GREY, INK, NEGATIVE, POSITIVE, SEQUENTIAL, WHITE, Picture,
                          plane_marks, scale_colours, short, text_font)

__all__ = ["network_picture", "NETWORK_SIZE"]

#: The picture's width and its height up to 8 units a layer (taller with more).
NETWORK_SIZE = (760, 420)


# ---------------------------------------------------------------- unit tiles
@lru_cache(maxsize=64)
def _stretch(count: int, size: int) -> np.ndarray:
    """``(size, count)``: linear interpolation from ``count`` cells to ``size`` pixels."""
    at = np.linspace(0, count - 1, size)
    low = np.clip(np.floor(at).astype(np.int64), 0, max(count - 2, 0))
    weights = np.zeros((size, count))
    weights[np.arange(size), low] = 1 - (at - low)
    weights[np.arange(size), np.minimum(low + 1, count - 1)] += at - low
    return weights


def _resize(maps: np.ndarray, side: int) -> np.ndarray:
    """Maps ``(units, G, G)`` (rows of equal x2, lowest first) as ``(units, side, side)``
    interpolated values, highest x2 on top, NaN where the nearest cell is NaN."""
    maps = maps[:, ::-1, :]
    nearest = np.arange(side) * maps.shape[-1] // side
    finite = np.isfinite(maps)
    stretch = _stretch(maps.shape[-1], side)
    with np.errstate(all="ignore"):
        values = stretch @ np.where(finite, maps, 0.0) @ stretch.T
    return np.where(finite[:, nearest[:, None], nearest[None, :]], values, np.nan)


def _histogram_tiles(layer, side: int) -> np.ndarray:
    """``(shown, side, side, 3)``: each unit's histogram, each bar in its bin's colour."""
    column_bin = np.arange(side) * layer.counts.shape[1] // side
    tallest = np.maximum(layer.counts.max(axis=1, keepdims=True), 1)
    heights = np.round(layer.counts / tallest * (side - 2))[:, column_bin]
    centres = (layer.edges[:-1] + layer.edges[1:]) / 2
    table = DIVERGING if layer.centred else SEQUENTIAL
    bin_colours = scale_colours(centres, layer.low, layer.high, table)
    bars = (bin_colours * 0.75).astype(np.uint8)[column_bin]
    filled = np.arange(side)[None, :, None] >= side - heights[:, None, :]
    return np.where(filled[..., None], bars, np.uint8(250))


def _unit_tiles(layer, side: int) -> np.ndarray:
    """``(shown, side, side, 3)``: each unit's map over the plane, or its histogram."""
    if layer.maps is None:
        return _histogram_tiles(layer, side)
    table = DIVERGING if layer.centred else SEQUENTIAL
    return scale_colours(_resize(layer.maps, side), layer.low, layer.high, table)


# ---------------------------------------------------------------- the network
def _height(maps: UnitMaps) -> int:
    """The picture's height: 18 pixels more for each unit over 8 in the tallest layer."""
    return NETWORK_SIZE[1] + 18 * max(0, max(layer.shown for layer in maps.layers) - 8)


def _layout(maps: UnitMaps) -> dict:
    """Every tile's box, and ``"answer"`` for the output's map on 2-D data (the output unit's
    own tile when there is one output)."""
    width, top, bottom, labels = NETWORK_SIZE[0], 42, 22, 80
    height = _height(maps)
    outputs = maps.layers[-1].width
    big = min(150, height - top - bottom) if maps.scene.plane is not None else 0
    columns = len(maps.layers) - (1 if big and outputs == 1 else 0)
    gap = (width - labels - 10 - (big + 30 if big else 0)) / columns
    slot = (height - top - bottom) / max(layer.shown for layer in maps.layers)
    side = int(max(8, min(44, slot * 0.78, gap * 0.5)))
    boxes = {}
    for l in range(columns):
        shown, left = maps.layers[l].shown, int(labels + gap * (l + 0.5) - side / 2)
        first = top + (height - top - bottom - slot * shown) / 2 + (slot - side) / 2
        for j in range(shown):
            y = int(first + slot * j)
            boxes[(l, j)] = (left, y, left + side, y + side)
    if big:
        left, y = width - 10 - big, top + (height - top - bottom - big) // 2
        boxes["answer"] = (left, y, left + big, y + big)
        if outputs == 1:
            boxes[(len(maps.layers) - 1, 0)] = boxes["answer"]
    return boxes


def _ends(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``(n, 4)`` ``x0, y0, x1, y1``: from the right middle of each start box ``(n, 4)`` to
    the left middle of its end box."""
    return np.column_stack([starts[:, 2], (starts[:, 1] + starts[:, 3]) // 2, ends[:, 0],
                            (ends[:, 1] + ends[:, 3]) // 2])


def _weight_lines(draw, maps: UnitMaps, boxes: dict):
    """One line per shown weight, smaller ones first so the large ones stay on top; thin grey
    lines from several output units to the answer's map."""
    column = [np.array([boxes[(l, j)] for j in range(layer.shown)])
              for l, layer in enumerate(maps.layers)]
    if "answer" in boxes and maps.layers[-1].width > 1:
        for line in _ends(column[-1], np.array([boxes["answer"]] * len(column[-1]))).tolist():
            draw.line(line, fill=GREY)
    lines, sizes, signs = [], [], []
    for l, (block, largest) in enumerate(zip(maps.weights, maps.largest)):
        i, j = np.indices(block.shape).reshape(2, -1)
        lines.append(_ends(column[l][i], column[l + 1][j]))
        sizes.append(np.nan_to_num(np.minimum(np.abs(block.ravel()) / largest, 1.0)))
        signs.append(block.ravel() >= 0)
    sizes, signs = np.concatenate(sizes), np.concatenate(signs)
    order = np.argsort(sizes, kind="stable")
    base = np.where(signs[:, None], POSITIVE, NEGATIVE)
    colours = np.rint(255 + (base - 255) * (0.2 + 0.8 * sizes[:, None])).astype(int)
    widest = 4 if max(layer.shown for layer in maps.layers[1:]) <= 8 else 2
    widths = (1 + np.rint(widest * sizes)).astype(int)
    for line, colour, width in zip(np.concatenate(lines)[order].tolist(),
                                   colours[order].tolist(), widths[order].tolist()):
        draw.line(line, fill=tuple(colour), width=width)


def _tiles(canvas: np.ndarray, maps: UnitMaps, boxes: dict):
    """Every unit's tile in its box, and the answer's map with the points."""
    for l, layer in enumerate(maps.layers):
        if boxes[(l, 0)] == boxes.get("answer"):
            continue
        tiles = _unit_tiles(layer, boxes[(l, 0)][2] - boxes[(l, 0)][0])
        for j in range(layer.shown):
            left, top, right, bottom = boxes[(l, j)]
            canvas[top:bottom, left:right] = tiles[j]
    if "answer" in boxes:
        plane_marks(canvas, maps, boxes["answer"], 2)


def _title_lines(layer, font, room: float) -> list[str]:
    """A layer's title on two lines ("hidden 3" / "8 tanh"), "hidden" shortened to "h" when
    the column is narrow."""
    name, detail = layer.title.split(": ")
    if font.getlength(name) > room:
        name = name.replace("hidden ", "h")
    return [short(name, font, room), short(detail, font, room)]


def _texts(draw, maps: UnitMaps, boxes: dict):
    """Tile frames, the layers' titles, "+N more" and the input names."""
    for key, (left, top, right, bottom) in boxes.items():
        draw.rectangle((left - 1, top - 1, right, bottom), outline=INK if key == "answer" else GREY)
    centres = [(boxes[(l, 0)][0] + boxes[(l, 0)][2]) / 2 for l in range(len(maps.layers))]
    room = min(np.diff(centres[:-1]), default=NETWORK_SIZE[0]) - 6
    small, title_font = text_font(11 if room > 60 else 10), text_font(12 if room > 60 else 10)
    for l, layer in enumerate(maps.layers):
        units = [boxes[(l, j)] for j in range(layer.shown)]
        centre, fits = centres[l], max(room, units[0][2] - units[0][0])
        for row, text in enumerate(_title_lines(layer, title_font, fits)):
            draw.text((centre, 4 + 16 * row), text, fill=INK, font=title_font, anchor="ma")
        if layer.width > layer.shown:
            more = f"+{layer.width - layer.shown} more"
            more = more if small.getlength(more) <= fits else more.split()[0]
            draw.text((centre, units[-1][3] + 3), more, fill=INK, font=small, anchor="ma")
    for j, name in enumerate(maps.scene.feature_names[:maps.layers[0].shown]):
        left, top, _, bottom = boxes[(0, j)]
        draw.text((left - 5, (top + bottom) / 2), short(name, small, left - 9), fill=INK,
                  font=small, anchor="rm")


def network_picture(maps: UnitMaps) -> Picture:
    """The network of one frame (``maps`` from :func:`labapp.compute.unit_maps.unit_maps`)."""
    image = Image.new("RGB", (NETWORK_SIZE[0], _height(maps)), WHITE)
    boxes = _layout(maps)
    _weight_lines(ImageDraw.Draw(image), maps, boxes)
    canvas = np.array(image)
    _tiles(canvas, maps, boxes)
    image = Image.fromarray(canvas)
    _texts(ImageDraw.Draw(image), maps, boxes)
    return Picture(image, boxes, _network_caption(maps))


def _network_caption(maps: UnitMaps) -> str:
    where, colours = maps.scene, ("blue above 0, orange below, white at 0 (sigmoid, softmax "
                                  "and relu: white at 0, blue high)")
    if where.plane is not None:
        answer = {"probability": "P(class 1)", "class": "the predicted class",
                  "value": "the predicted value"}[maps.answer.kind]
        text = (f"Each small tile is one unit's output over the data's plane: {colours}. The "
                f"large tile is the network's answer, {answer}, with the data points.")
    else:
        text = (f"Each tile is a histogram of one unit's output over the training rows, low "
                f"values left, bars coloured by value: {colours}.")
        if len(where.points) < where.total_rows:
            text += f" The histograms count an even sample of {int(where.train.sum()):,} rows."
    text += " Lines are weights: blue positive, orange negative; wider and darker is larger."
    if maps.capped:
        text += (f" Layers wider than {MAX_SHOWN} units show their first {MAX_SHOWN}; "
                 "“+N more” counts the rest.")
    return text
