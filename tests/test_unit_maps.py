"""The Train page's "inside the network" pictures: every unit's map or histogram
(labapp/compute/unit_maps.py) checked against the textbook forward pass computed here, and the
pictures (labapp/views/network_picture.py, data_plot.py) checked pixel by pixel: one tile per
shown unit, tiles that follow the weights, weight lines in their sign's colour, the cap on wide layers."""
import io
import math

import numpy as np
import pytest
from PIL import Image

import nncore
from nncore import textbook
from labapp.compute.prepare import prepare
from labapp.compute.unit_maps import BINS, MAX_SHOWN, scene, unit_maps
from labapp.data.lab_table import load_table
from labapp.settings.page_settings import DataSettings
from labapp.views.data_plot import data_plot
from labapp.views.network_picture import network_picture
from labapp.views.picture_kit import NEGATIVE, POSITIVE, png_bytes

DEFAULT = [2, 8, 8, 1]
WIDEST = [2] + [256] * 10 + [1]


def _data(**settings):
    return prepare(load_table(DataSettings(**settings)))


def _frame(data, net):
    maps = unit_maps(net, scene(data, net.sizes))
    return maps, network_picture(maps)


def _pixels(picture, box=None) -> np.ndarray:
    pixels = np.asarray(picture.image).astype(int)
    if box is None:
        return pixels
    left, top, right, bottom = box
    return pixels[top:bottom, left:right]


def _grid_inputs(data, size, features):
    """The plane's grid built here from its definition: ``size`` points per axis from 10 %
    of the points' range (and 1e-9, so that a flat range still spans) below their minimum to as
    far above their maximum (x1 fastest), the
    named features computed by hand, standardised with the training rows' mean and
    population standard deviation."""
    points = data.table.points
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.1 * (high - low) + 1e-9
    x1 = np.tile(np.linspace(low[0] - pad[0], high[0] + pad[0], size), size)
    x2 = np.repeat(np.linspace(low[1] - pad[1], high[1] + pad[1], size), size)
    by_name = {"x1": x1, "x2": x2, "x1*x2": x1 * x2}
    raw = np.column_stack([by_name[name] for name in features])
    train = data.table.X[data.train_rows]
    return (raw - train.mean(axis=0)) / train.std(axis=0)


def test_maps_equal_every_layers_activations_over_the_grid():
    features = ("x1", "x2", "x1*x2")
    data = _data(features=features)
    net = nncore.MLP([3, 5, 20, 1], activation=["relu", "tanh"], output="sigmoid", seed=3)
    maps = unit_maps(net, scene(data, net.sizes))
    size = maps.scene.plane.size
    X = _grid_inputs(data, size, features)
    _, A = textbook.forward(X, *net.layers())
    assert [layer.width for layer in maps.layers] == [3, 5, 20, 1]
    assert [layer.shown for layer in maps.layers] == [3, 5, MAX_SHOWN, 1]
    for layer, A_l in zip(maps.layers, A):
        assert layer.maps.shape == (layer.shown, size, size) and layer.counts is None
        for j in range(layer.shown):          # units in index order, rows of equal x2
            np.testing.assert_allclose(layer.maps[j], A_l[:, j].reshape(size, size),
                                       rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(maps.answer.values, A[-1][:, 0], rtol=1e-9, atol=1e-9)
    assert maps.answer.kind == "probability"
    np.testing.assert_array_equal(maps.weights[1], net.weights[1][:, :MAX_SHOWN])


def test_one_unit_checked_by_hand():
    """A 2 → 1 network, a = tanh(0.5·x1 − 2·x2 + 0.25), unscaled inputs: the map's corners."""
    data = _data(dataset="plane", scaler="none", scale_target=False)
    net = nncore.MLP([2, 1], output="tanh", seed=0)
    net.set_parameters([np.array([[0.5], [-2.0]])], [np.array([0.25])])
    maps = unit_maps(net, scene(data, net.sizes))
    unit = maps.layers[1].maps[0]
    low, high = data.table.points.min(axis=0), data.table.points.max(axis=0)
    first, last = low - 0.1 * (high - low), high + 0.1 * (high - low)
    assert unit[0, 0] == pytest.approx(math.tanh(0.5 * first[0] - 2 * first[1] + 0.25))
    assert unit[0, -1] == pytest.approx(math.tanh(0.5 * last[0] - 2 * first[1] + 0.25))
    assert unit[-1, 0] == pytest.approx(math.tanh(0.5 * first[0] - 2 * last[1] + 0.25))
    assert maps.layers[1].title == "output: 1 tanh"
    assert maps.answer.kind == "value" and maps.answer.values[0] == pytest.approx(unit[0, 0])


def test_one_tile_per_shown_unit_in_order_coloured_by_sign():
    """Hidden units with zero weights and biases +2, −2, …: each map is constant, so each
    tile is one colour: blue for a positive unit, orange for a negative one."""
    data = _data()
    net = nncore.MLP(DEFAULT, activation="tanh", output="sigmoid", seed=0)
    signs = np.array([1, -1, 1, 1, -1, -1, 1, -1])
    net.weights[0] = np.zeros((2, 8))
    net.biases[0] = 2.0 * signs
    _, picture = _frame(data, net)
    for layer in (1, 2):
        tops = [picture.boxes[(layer, j)][1] for j in range(8)]
        assert tops == sorted(tops) and len(set(tops)) == 8 and (layer, 8) not in picture.boxes
    for j, sign in enumerate(signs):
        left, top, right, bottom = picture.boxes[(1, j)]
        centre = _pixels(picture)[(top + bottom) // 2, (left + right) // 2]
        assert (centre[2] > centre[0]) == (sign > 0), (j, centre)
    width, height = picture.image.size
    assert all(0 <= box[0] < box[2] <= width and 0 <= box[1] < box[3] <= height
               for box in picture.boxes.values())


def test_tile_pixels_change_with_the_weights_and_only_then():
    data = _data()
    net = nncore.MLP(DEFAULT, activation="tanh", output="sigmoid", seed=0)
    _, before = _frame(data, net)
    _, again = _frame(data, net)
    config = nncore.TrainConfig(epochs=1, loss="bce", optimizer="adam", learning_rate=0.05)
    nncore.train(net, data.X_train, data.targets(1)[0], config)
    _, after = _frame(data, net)
    for j in range(8):
        box = before.boxes[(1, j)]
        np.testing.assert_array_equal(_pixels(before, box), _pixels(again, box))
        assert np.abs(_pixels(before, box) - _pixels(after, box)).sum() > 0, j


def test_a_weights_line_is_drawn_in_its_signs_colour():
    data = _data()
    net = nncore.MLP([2, 1], output="sigmoid", seed=0)
    net.set_parameters([np.array([[1.5], [-1.5]])], [np.zeros(1)])
    _, picture = _frame(data, net)
    end = picture.boxes["answer"]
    for unit, colour in ((0, POSITIVE), (1, NEGATIVE)):
        start = picture.boxes[(0, unit)]
        x0, y0 = start[2], (start[1] + start[3]) / 2
        x1, y1 = end[0], (end[1] + end[3]) / 2
        pixel = _pixels(picture)[round((y0 + y1) / 2), round((x0 + x1) / 2)]
        np.testing.assert_array_equal(pixel, colour)     # the largest weight: full colour


def test_histograms_for_data_without_a_plane():
    data = _data(dataset="iris")
    net = nncore.MLP([4, 6, 3], activation="tanh", output="softmax", seed=1)
    maps, picture = _frame(data, net)
    _, A = textbook.forward(data.X_train, *net.layers())
    assert maps.scene.plane is None and maps.answer.kind == "class"
    for layer, A_l in zip(maps.layers, A):
        assert layer.maps is None and layer.counts.shape == (layer.shown, BINS)
        assert len(layer.edges) == BINS + 1
        for j in range(layer.shown):
            expected, _ = np.histogram(A_l[:, j], bins=layer.edges)
            np.testing.assert_array_equal(layer.counts[j], expected)
    assert (maps.layers[1].low, maps.layers[1].high) == (-1.0, 1.0)      # tanh: fixed bins
    assert (maps.layers[2].low, maps.layers[2].high) == (0.0, 1.0)       # softmax
    assert sorted(picture.boxes) == sorted((l, j) for l, n in enumerate([4, 6, 3])
                                           for j in range(n))
    assert "histogram" in picture.caption
    plot = data_plot(maps)
    assert plot.image.size == (440, 440) and "sample" not in plot.caption    # all 150 rows


def test_the_regression_surface_of_a_2d_regression_set():
    """y = x1 through an identity output: the surface's values are x1 in the target's units,
    and the plot brightens from left to right (viridis grows lighter with the value)."""
    data = _data(dataset="plane")
    net = nncore.MLP([2, 1], output="identity", seed=0)
    net.set_parameters([np.array([[1.0], [0.0]])], [np.zeros(1)])
    maps = unit_maps(net, scene(data, net.sizes))
    train_targets = data.table.values[data.train_rows, 0]
    x1_scaled = maps.scene.plane.inputs[:, 0]
    np.testing.assert_allclose(maps.answer.values,
                               x1_scaled * train_targets.std() + train_targets.mean())
    assert maps.answer.kind == "value"
    assert maps.scene.value_range == (data.table.values.min(), data.table.values.max())
    plot = data_plot(maps)
    left, top, right, bottom = plot.boxes["plot"]
    row = _pixels(plot)[(top + bottom) // 2]
    assert row[left + 3].sum() < row[(left + right) // 2].sum() < row[right - 4].sum()


def test_the_widest_network_shows_its_first_units_and_says_so():
    data = _data()
    net = nncore.MLP(WIDEST, activation="relu", output="sigmoid", seed=0)
    maps, picture = _frame(data, net)
    assert maps.capped and all(layer.shown == MAX_SHOWN for layer in maps.layers[1:-1])
    assert (1, MAX_SHOWN - 1) in picture.boxes and (1, MAX_SHOWN) not in picture.boxes
    assert f"first {MAX_SHOWN}" in picture.caption
    np.testing.assert_array_equal(maps.weights[1], net.weights[1][:MAX_SHOWN, :MAX_SHOWN])
    last = picture.boxes[(1, MAX_SHOWN - 1)]
    below = _pixels(picture, (last[0] - 8, last[3] + 2, last[2] + 8, last[3] + 14))
    assert (below < 128).any()                       # "+240" is written under the layer
    assert scene(data, WIDEST).plane.size < scene(data, DEFAULT).plane.size


def test_the_data_plot_draws_an_untrained_network_and_the_png_decodes():
    for settings in ({}, {"dataset": "blobs", "n_classes": 4}, {"dataset": "boston"}):
        data = _data(**settings)
        outputs = 4 if settings.get("n_classes") else 1
        net = nncore.MLP([data.X_train.shape[1], 8, outputs], activation="tanh",
                         output="softmax" if outputs > 1 else "sigmoid", seed=0)
        maps, picture = _frame(data, net)
        plot = data_plot(maps)
        for drawn in (picture, plot):
            decoded = np.asarray(Image.open(io.BytesIO(drawn.png())).convert("RGB"))
            np.testing.assert_array_equal(decoded, np.asarray(drawn.image))


def test_png_bytes_round_trip_through_pillow():
    rgb = np.random.default_rng(0).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png_bytes(rgb)))), rgb)


def test_a_diverged_network_draws_grey_instead_of_raising():
    data = _data()
    net = nncore.MLP(DEFAULT, activation="tanh", output="sigmoid", seed=0)
    net.weights[0] = np.full((2, 8), np.nan)
    maps, picture = _frame(data, net)
    assert np.isnan(maps.layers[1].maps).all()
    left, top, right, bottom = picture.boxes[(1, 0)]
    assert (_pixels(picture)[(top + bottom) // 2, (left + right) // 2] == 170).all()
    data_plot(maps)
