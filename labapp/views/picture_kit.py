"""The drawing kit the Train page's live pictures share (:mod:`.network_picture`,
:mod:`.data_plot`): it draws the answer over the data's plane with the points on it, marks rows
as circles (training) and triangles (test), and writes the pictures as PNG files cheap enough
to redraw in every frame of a run (``st.image(picture.png())`` shows one).

Colours, safe for the common colour-vision deficiencies: blue positive and orange negative
around a white 0; 0..1 and 0..max scales run from white to blue; class 0 is blue and class 1
orange, as in the other charts; predicted values use viridis. Tiles and points are written into
a NumPy array; Pillow draws the lines and the text.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageFont

from ..compute.unit_maps import Answer, UnitMaps

__all__ = ["Picture", "png_bytes", "text_font", "scale_colours", "answer_colours", "short",
           "to_box", "stamp", "plane_marks", "WHITE", "GREY", "INK", "POSITIVE", "NEGATIVE",
           "CLASS_COLOURS", "TINTS", "DIVERGING", "SEQUENTIAL", "PROBABILITY", "VIRIDIS"]

WHITE, GREY, INK = (255, 255, 255), (170, 170, 170), (40, 40, 40)
POSITIVE, NEGATIVE = (31, 119, 180), (230, 97, 0)
CLASS_COLOURS = np.array([(31, 119, 180), (255, 127, 14), (0, 158, 115), (204, 121, 167),
                          (86, 180, 233), (213, 94, 0), (240, 228, 66), (0, 0, 0)], np.uint8)


def _ramp(*anchors) -> np.ndarray:
    """A 256-colour table running through ``anchors`` (RGB) evenly."""
    stops, t = np.linspace(0, 1, len(anchors)), np.linspace(0, 1, 256)
    channels = [np.interp(t, stops, [a[k] for a in anchors]) for k in range(3)]
    return np.stack(channels, axis=1).round().astype(np.uint8)


#: The class colours lightened, for areas under the points.
TINTS = (CLASS_COLOURS + (255 - CLASS_COLOURS.astype(int)) * 0.55).astype(np.uint8)
DIVERGING = _ramp((150, 60, 0), NEGATIVE, (247, 247, 247), POSITIVE, (8, 48, 107))
SEQUENTIAL = _ramp((247, 247, 247), (158, 202, 225), POSITIVE, (8, 48, 107))
PROBABILITY = _ramp(TINTS[0], (247, 247, 247), TINTS[1])
VIRIDIS = _ramp((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: the length of ``data``, ``kind``, ``data`` and their CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(rgb: np.ndarray) -> bytes:
    """An ``(h, w, 3)`` uint8 array as a PNG file: every row filtered "Up" (minus the row above)
    and deflated fast, several times quicker than Pillow's adaptive filters."""
    height, width, _ = rgb.shape
    rows = rgb.reshape(height, width * 3)
    filtered = rows.copy()
    filtered[1:] -= rows[:-1]                           # wraps modulo 256, as PNG wants
    body = np.column_stack([np.full(height, 2, np.uint8), filtered])    # 2: the Up filter
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)      # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(body.tobytes(), 1)) + _chunk(b"IEND", b""))


@dataclass(frozen=True)
class Picture:
    """A drawn picture, the ``boxes`` ``(left, top, right, bottom)`` of its parts (``(l, j)``:
    unit ``j`` of layer ``l``; ``"answer"``: the output's map; ``"plot"``: the data plot's
    area) and a ``caption`` (plain text, no data in it) to show under it."""

    image: Image.Image
    boxes: dict
    caption: str

    def png(self) -> bytes:
        """The picture as a PNG file (:func:`png_bytes`)."""
        return png_bytes(np.asarray(self.image))


@lru_cache(maxsize=8)
def text_font(size: int):
    """Pillow's default font at ``size`` pixels (its small bitmap font without FreeType)."""
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ImportError, TypeError):    # Pillow built without FreeType
        return ImageFont.load_default()


def scale_colours(values, low: float, high: float, table: np.ndarray) -> np.ndarray:
    """RGB ``(…, 3)`` of ``values`` on ``table`` from ``low`` to ``high``; grey where not finite."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        where = (values - low) / ((high - low) or 1.0) * 255
    rgb = table[np.clip(np.nan_to_num(where, nan=0.0), 0, 255).astype(np.int64)]
    rgb[~np.isfinite(values)] = GREY
    return rgb


def answer_colours(answer: Answer, values=None) -> np.ndarray:
    """RGB ``(…, 3)`` of the network's answer (or of ``values`` on its scale): class tints,
    P(class 1) from class 0's tint to class 1's, or predicted values on viridis."""
    values = answer.values if values is None else values
    if answer.kind == "class":
        return TINTS[np.nan_to_num(values).astype(np.int64) % len(TINTS)]
    table = PROBABILITY if answer.kind == "probability" else VIRIDIS
    return scale_colours(values, answer.low, answer.high, table)


def short(text: str, font, room: float) -> str:
    """``text`` on one line, cut with "…" to fit ``room`` pixels."""
    text = " ".join(str(text).split())
    while text and font.getlength(text) > room:
        text = text[:-2] + "…" if len(text) > 1 else ""
    return text


def to_box(values, low, high, start, length, flip=False) -> np.ndarray:
    """Positions of ``values`` (from ``low`` to ``high``) along ``length`` pixels from
    ``start``; ``flip`` puts ``high`` first (a y axis)."""
    with np.errstate(all="ignore"):
        share = (np.asarray(values, dtype=np.float64) - low) / ((high - low) or 1.0)
    return start + length * (1 - share if flip else share)


def _answer_pixels(maps: UnitMaps, height: int, width: int) -> np.ndarray:
    """The answer over the plane as ``(height, width, 3)`` pixels, highest x2 on top: its
    colours on the grid, blended between cells (not between classes)."""
    size = maps.scene.plane.size
    cells = answer_colours(maps.answer).reshape(size, size, 3)[::-1]
    blend = Image.NEAREST if maps.answer.kind == "class" else Image.BILINEAR
    return np.asarray(Image.fromarray(np.ascontiguousarray(cells)).resize((width, height), blend))


@lru_cache(maxsize=16)
def _mark(kind: str, radius: int, edge: int):
    """Pixel offsets ``(dy, dx)`` of a mark's outline and of its inside: a circle for
    ``"train"``, a triangle for ``"test"``."""
    span = np.arange(-radius - 1, radius + 2)
    dy, dx = np.meshgrid(span, span, indexing="ij")

    def inside(r):
        if kind == "train":
            return dy ** 2 + dx ** 2 <= (r + 0.4) ** 2
        return (dy <= 0.8 * r) & (1.8 * np.abs(dx) <= dy + r)

    outer, inner = inside(radius), inside(radius - edge)
    return (dy[outer & ~inner], dx[outer & ~inner]), (dy[inner], dx[inner])


def stamp(canvas: np.ndarray, xy, fills, side, radius: int, wrong=None):
    """Marks at ``xy`` ``(n, 2)`` on ``canvas`` ``(h, w, 3)``: training rows as circles, test
    rows as triangles, filled with ``fills`` ``(n, 3)``; ``wrong`` rows get a thick black edge."""
    wrong = np.zeros(len(xy), bool) if wrong is None else np.asarray(wrong, bool)
    ok = np.isfinite(xy).all(axis=1)
    x, y = (np.where(ok, np.round(c), -99).astype(np.int64) for c in xy.T)
    for kind, miss in (("train", False), ("train", True), ("test", False), ("test", True)):
        chosen = ok & (side == kind) & (wrong == miss)
        outline, inside = _mark(kind, radius + (kind == "test") + miss, 2 if miss else 1)
        edge = np.broadcast_to(np.array((0, 0, 0) if miss else INK, np.uint8), (chosen.sum(), 3))
        for (dy, dx), colours in ((outline, edge), (inside, fills[chosen])):
            rows, columns = y[chosen, None] + dy, x[chosen, None] + dx
            fit = (rows >= 0) & (rows < canvas.shape[0]) & (columns >= 0) & \
                (columns < canvas.shape[1])
            canvas[rows[fit], columns[fit]] = np.broadcast_to(colours[:, None],
                                                              rows.shape + (3,))[fit]


def _point_fills(maps: UnitMaps) -> np.ndarray:
    """The points' fills: their class colour, or their target value on viridis."""
    where = maps.scene
    if where.labels is not None:
        return CLASS_COLOURS[where.labels % len(CLASS_COLOURS)]
    return scale_colours(where.values, *where.value_range, VIRIDIS)


def plane_marks(canvas, maps: UnitMaps, box, radius: int):
    """The answer over the plane in ``box`` and the points over it; returns the axes' ranges."""
    plane, where, (left, top, right, bottom) = maps.scene.plane, maps.scene, box
    canvas[top:bottom, left:right] = _answer_pixels(maps, bottom - top, right - left)
    ranges = ((plane.x1.min(), plane.x1.max()), (plane.x2.min(), plane.x2.max()))
    x = to_box(where.points[:, 0], *ranges[0], left, right - left - 1)
    y = to_box(where.points[:, 1], *ranges[1], top, bottom - top - 1, True)
    stamp(canvas, np.column_stack([x, y]), _point_fills(maps), where.side, radius)
    return ranges

