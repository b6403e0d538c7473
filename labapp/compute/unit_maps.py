"""Inside the network: what every unit computes, as plain arrays for the Train page's pictures
(:mod:`labapp.views.network_picture`, :mod:`labapp.views.data_plot`).

A frame of the live picture takes two steps:

1. :func:`scene`, once per run: where the network is looked at. For data with a 2-D plane
   (``table.points``) that is a grid over the plane (:func:`plane_grid`, also the decision
   boundary's grid in :mod:`labapp.compute.run_report`); for other data, an even sample of the
   rows. The grid and the sample shrink for large networks, so a frame stays cheap.
2. :func:`unit_maps`, every frame: the textbook forward pass (:func:`nncore.textbook.forward`)
   of those inputs gives every layer's ``A_l``. Each shown unit gets its map over the plane
   (its column of ``A_l`` as a G × G array) or its histogram over the training rows, and the
   output gives the network's answer: the probability of class 1, the predicted class or the
   predicted value.

Layers wider than :data:`MAX_SHOWN` units show their first :data:`MAX_SHOWN`, in index order.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import isqrt

import numpy as np

from nncore import textbook
from nncore.synthetic import engineer_features

from .prepare import Prepared

__all__ = ["Plane", "Scene", "LayerMaps", "Answer", "UnitMaps", "plane_grid", "scene",
           "unit_maps", "MAX_SHOWN", "MAX_GRID", "MAX_ROWS", "BINS"]

#: Units drawn per layer, at most (the first ones).
MAX_SHOWN = 16
#: Cells per side of a unit's map, at most; :data:`MIN_GRID` for the largest networks.
MAX_GRID, MIN_GRID = 40, 16
#: Rows a histogram is made of, at most and at least.
MAX_ROWS, MIN_ROWS = 500, 100
#: Points of a plane drawn on the pictures, at most (an even sample).
MAX_POINTS = 1000
#: Multiply-adds one frame's forward pass may cost (about 10 ms on one core): it sets the size
#: of the grid and of the sample of rows.
FRAME_BUDGET = 120_000_000
#: Histogram bins (the same edges for every unit of a layer).
BINS = 20
#: Activations whose values have a fixed range: name → (low, high).
_FIXED_RANGES = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}


@dataclass(frozen=True)
class Plane:
    """A ``size × size`` grid over the points' plane, 10 % wider than the points on each side:
    cell coordinates ``x1``, ``x2`` ``(size²,)`` in the points' units (``x1`` varies fastest, so
    ``reshape(size, size)`` gives rows of equal ``x2``), and ``inputs`` ``(size², D)``: the
    network's inputs there, features engineered and scaled as for the data."""

    size: int
    x1: np.ndarray
    x2: np.ndarray
    inputs: np.ndarray


@dataclass(frozen=True)
class Scene:
    """What stays fixed while a run trains.

    - ``inputs`` ``(M, D)``: what the network is given (the plane's cells, or a sample of the
      rows); ``train`` ``(M,)`` marks those a histogram counts (the training rows).
    - ``points`` ``(n, 2)``: what the pictures draw (the plane's points, or the sampled rows'
      first two raw features: the first twice with one feature), with their ``side``
      (``"train"``/``"test"``) and ``labels`` or first target's ``values``.
    - ``value_range``: that target's range (the colour scale of predicted values);
      ``target_unit`` ``(offset, scale)`` maps the first output back to its units;
      ``total_rows`` counts the table's rows.
    """

    task: str
    inputs: np.ndarray
    train: np.ndarray
    plane: Plane | None
    points: np.ndarray
    side: np.ndarray
    labels: np.ndarray | None
    values: np.ndarray | None
    feature_names: tuple[str, ...]
    axis_names: tuple[str, str]
    class_names: tuple[str, ...]
    target_name: str
    value_range: tuple[float, float]
    target_unit: tuple[float, float]
    total_rows: int


@dataclass(frozen=True)
class LayerMaps:
    """One layer's shown units (the first ``shown`` of ``width``), in index order: ``maps``
    ``(shown, G, G)`` over the plane (rows of equal ``x2``, lowest first) or ``counts``
    ``(shown, BINS)`` over ``edges`` ``(BINS + 1,)``. ``low``..``high`` is the layer's colour
    scale; ``centred`` says it is centred on 0 (``low == -high``)."""

    title: str
    activation: str
    width: int
    low: float
    high: float
    centred: bool
    maps: np.ndarray | None = None
    counts: np.ndarray | None = None
    edges: np.ndarray | None = None

    @property
    def shown(self) -> int:
        return min(self.width, MAX_SHOWN)


@dataclass(frozen=True)
class Answer:
    """The network's answer at each of the scene's inputs: ``kind`` ``"probability"`` (of class
    1), ``"class"`` (a class code) or ``"value"`` (the first target, in its units), ``values``
    ``(M,)``, and ``low``..``high`` its colour scale."""

    kind: str
    values: np.ndarray
    low: float
    high: float


@dataclass(frozen=True)
class UnitMaps:
    """One frame: every layer from the inputs ``A_0`` to the output ``A_L``, the shown block of
    each weight matrix ``W_l`` ``(shown_{l-1}, shown_l)`` with ``largest[l-1]`` the largest
    ``|w|`` of the whole ``W_l``, the answer, and the scene it was computed on."""

    layers: tuple[LayerMaps, ...]
    weights: tuple[np.ndarray, ...]
    largest: tuple[float, ...]
    answer: Answer
    scene: Scene

    @property
    def capped(self) -> bool:
        """Some layer has more units than are shown."""
        return any(layer.width > layer.shown for layer in self.layers)


# ---------------------------------------------------------------- once per run
def plane_grid(data: Prepared, size: int) -> Plane:
    """The ``size × size`` grid over ``data.table.points`` and the network's inputs there."""
    points = data.table.points
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.1 * (high - low) + 1e-9
    axes = [np.linspace(lo - m, hi + m, size) for lo, hi, m in zip(low, high, margin)]
    x1, x2 = (a.ravel() for a in np.meshgrid(*axes))
    plane = np.column_stack([x1, x2])
    features = engineer_features(plane, data.table.engineered)[0] if data.table.engineered \
        else plane
    return Plane(size, x1, x2, data.scale_features(features))


def _multiply_adds(sizes) -> int:
    """Multiply-adds of one row's forward pass through a network of ``sizes``."""
    return max(1, sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))


def _even(count: int, wanted: int) -> np.ndarray:
    """At most ``wanted`` evenly spaced indices into ``count`` items, in order."""
    return np.unique(np.linspace(0, count - 1, min(count, wanted)).astype(np.int64))


def _targets(data: Prepared, rows):
    table = data.table
    if table.labels is not None:
        return table.labels[rows], None, (0.0, 1.0)
    first = table.values[:, 0]
    finite = first[np.isfinite(first)]
    span = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return None, first[rows], span if span[1] > span[0] else (span[0] - 1, span[0] + 1)


def _axis_names(table) -> tuple[str, str]:
    """The names of the pictures' axes: the plane's, or the first two features."""
    if table.points is not None:
        return ("x1", "x2") if table.engineered else tuple(map(str, table.feature_names[:2]))
    names = tuple(map(str, table.feature_names))
    return names[:2] if len(names) > 1 else (names[0], "network output")


def scene(data: Prepared, sizes) -> Scene:
    """Where a network of ``sizes`` ``(D, n_1, …, C)`` is looked at while it trains on
    ``data``: computed once per run (see the module docstring). On 2-D data the points are an
    even sample of at most :data:`MAX_POINTS` rows; on other data, the rows of the histograms
    (and the data plot's points) are an even sample sized to :data:`FRAME_BUDGET`."""
    table, (rows, side) = data.table, data.rows_by_side()
    budget = FRAME_BUDGET // _multiply_adds(sizes)
    plane = None if table.points is None else \
        plane_grid(data, int(np.clip(isqrt(budget), MIN_GRID, MAX_GRID)))
    wanted = MAX_POINTS if plane is not None else int(np.clip(budget, MIN_ROWS, MAX_ROWS))
    shown = _even(len(rows), wanted)
    rows, side = rows[shown], side[shown]
    if plane is not None:
        inputs, train, points = plane.inputs, np.ones(len(plane.x1), bool), table.points[rows]
    else:
        inputs, train = data.scale_features(table.X[rows]), side == "train"
        points = table.X[rows][:, [0, min(1, table.X.shape[1] - 1)]]
    labels, values, value_range = _targets(data, rows)
    return Scene(table.task, inputs, train, plane, points, side, labels, values,
                 tuple(map(str, table.feature_names)), _axis_names(table),
                 tuple(map(str, table.class_names)), str(table.target_names[0]), value_range,
                 (float(data.target_offset[0]), float(data.target_scale[0])), len(table.X))


# ---------------------------------------------------------------- every frame
def _largest_abs(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0


def _scale(activation: str, shown_values: np.ndarray) -> tuple[float, float, bool]:
    """A layer's colour scale and histogram range: fixed for bounded activations, 0..max for
    relu, centred on 0 otherwise."""
    if activation in _FIXED_RANGES:
        low, high = _FIXED_RANGES[activation]
        return low, high, low == -high
    top = _largest_abs(shown_values)
    return (0.0, top, False) if activation == "relu" else (-top, top, True)


def _histograms(values: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Counts ``(units, BINS)`` of each column of ``values`` on the same edges; values outside
    the range count in the end bins, values that are not finite are left out."""
    edges = np.linspace(low, high, BINS + 1)
    finite = np.isfinite(values)
    bins = np.clip(((np.where(finite, values, low) - low) / (high - low) * BINS).astype(np.int64),
                   0, BINS - 1)
    counts = np.zeros((values.shape[1], BINS), dtype=np.int64)
    units = np.broadcast_to(np.arange(values.shape[1]), values.shape)
    np.add.at(counts, (units[finite], bins[finite]), 1)
    return counts, edges


def _layer_title(layer: int, layers: int, width: int, activation: str) -> str:
    if layer == 0:
        return f"input: {width} features" if width > 1 else "input: 1 feature"
    kind = "output" if layer == layers else f"hidden {layer}"
    return f"{kind}: {width} {activation}"


def _layer(layer: int, A: np.ndarray, activation: str, layers: int, where: Scene) -> LayerMaps:
    width = A.shape[1]
    shown = A[:, :min(width, MAX_SHOWN)]
    low, high, centred = _scale(activation, shown)
    title = _layer_title(layer, layers, width, activation)
    if where.plane is not None:
        size = where.plane.size
        return LayerMaps(title, activation, width, low, high, centred,
                         maps=shown.T.reshape(-1, size, size))
    counts, edges = _histograms(shown[where.train], low, high)
    return LayerMaps(title, activation, width, low, high, centred, counts=counts, edges=edges)


def _answer(output: np.ndarray, where: Scene) -> Answer:
    if where.task == "classification":
        if output.shape[1] <= 2:
            return Answer("probability", output[:, -1], 0.0, 1.0)
        return Answer("class", output.argmax(axis=1), 0.0, output.shape[1] - 1.0)
    offset, scale = where.target_unit
    return Answer("value", output[:, 0] * scale + offset, *where.value_range)


def unit_maps(net, where: Scene) -> UnitMaps:
    """Every layer's shown units, the shown weights and the answer of ``net`` (an
    :class:`nncore.MLP`) on the scene ``where``, in evaluation mode. A diverged network gives
    NaN maps, not an error."""
    weights, biases, activations = net.layers()
    with np.errstate(all="ignore"):
        _, A = textbook.forward(where.inputs, weights, biases, activations)
        per_layer = ["identity", *activations]
        layers = tuple(_layer(l, A[l], per_layer[l], len(weights), where) for l in range(len(A)))
        answer = _answer(A[-1], where)
    blocks = tuple(w[:layers[l].shown, :layers[l + 1].shown] for l, w in enumerate(weights))
    return UnitMaps(layers, blocks, tuple(_largest_abs(w) for w in weights), answer, where)
