"""One step by hand (labapp.compute.step_by_hand and its section of the Train page).

(a) the numbers equal the engine's: one epoch of plain full-batch SGD by ``nncore.train`` on the
chosen rows ends with the weights the step shows; (b) a 2 → 2 → 1 network worked by hand;
(c) the source lines shown are really in nncore's files, and follow the code when it changes;
(d) bad input gives plain messages; (e) the section draws one block per layer.
"""
from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from app_testing import shown
from streamlit.testing.v1 import AppTest

import nncore
from labapp.compute import step_by_hand as hand
from labapp.compute.step_by_hand import MAX_ROWS, pick_rows, source_line, step_by_hand
from labapp.ui.step_by_hand import code_text, matrix_table

ROOT = Path(nncore.__file__).resolve().parents[1]          # the folder that holds nncore/

# ---------------------------------------------------------------- (a) equal to the engine
# sizes, hidden activation, output, loss, gradient_loss, bias, l1, l2
CASES = [
    ([3, 5, 2], "tanh", "identity", "mse", None, True, 0.0, 0.0),
    ([3, 4, 3], "relu", "softmax", "ce", None, True, 0.0, 0.0),
    ([2, 4, 3, 1], "sigmoid", "sigmoid", "bce", None, False, 0.0, 0.0),
    ([3, 5, 2], "leaky_relu", "tanh", "sse", None, [True, False], 0.0, 0.1),
    ([3, 6, 1], "relu", "identity", "mse", None, True, 0.05, 0.0),       # D → H → 1: fast path
    ([3, 6, 1], "tanh", "identity", "sse", None, False, 0.01, 0.1),
    ([3, 4, 3], "identity", "softmax", "mse", None, True, 0.01, 0.02),   # softmax's Jacobian
    ([2, 4, 4, 3], "sigmoid", "sigmoid", "mse", "bce", True, 0.0, 0.0),  # seed post 003's rule
]


def targets(rng, loss, output, k, C):
    """Targets that fit ``loss`` and ``output``: one-hot rows for ce, 0/1 for bce, values in
    (0, 1) for a sigmoid output, any numbers otherwise."""
    if loss == "ce":
        return np.eye(C)[rng.integers(0, C, k)]
    if loss == "bce":
        return rng.integers(0, 2, (k, C)).astype(float)
    if output in ("sigmoid", "softmax"):
        return rng.random((k, C))
    return rng.normal(size=(k, C))


def case_setup(case, k, seed=0):
    sizes, activation, output, loss, gradient_loss, bias, l1, l2 = case
    net = nncore.MLP(sizes, activation=activation, output=output, bias=bias, seed=seed)
    config = nncore.TrainConfig(loss=loss, gradient_loss=gradient_loss, l1=l1, l2=l2,
                                learning_rate=0.3, epochs=1, optimizer="sgd")
    rng = np.random.default_rng(seed + 100)
    X = rng.normal(size=(k, sizes[0]))
    return net, config, X, targets(rng, loss, output, k, sizes[-1])


def assert_close(ours, engine):
    """Equal to 1e-12 relative to the largest entry."""
    scale = max(np.max(np.abs(engine)), 1e-300)
    assert np.max(np.abs(ours - engine)) <= 1e-12 * scale, (ours, engine)


def case_id(case):
    return f"{case[1]}-{case[2]}-{case[3]}-{case[4]}-l1={case[6]}-l2={case[7]}"


@pytest.mark.parametrize("k", [1, 2, 4])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_update_equals_one_epoch_of_the_engine(case, k):
    net, config, X, T = case_setup(case, k)
    before = [w.copy() for w in net.weights]
    step = step_by_hand(net, config, X, T)
    trained = net.copy()
    nncore.train(trained, X, T, config)           # full batch, one epoch: one step of SGD
    for layer, w, b in zip(step.layers, trained.weights, trained.biases):
        assert_close(layer.W_new.values, w)
        assert (layer.b_new is None) == (b is None)
        if b is not None:
            assert_close(layer.b_new.values, b)
    assert all(np.array_equal(w, w0) for w, w0 in zip(net.weights, before))   # not changed
    engine_loss, _ = nncore.evaluate(net, X, T, config.loss)
    assert step.loss == pytest.approx(engine_loss, rel=1e-12)


@pytest.mark.parametrize("case", CASES[:4], ids=case_id)
def test_the_gradients_equal_the_textbook_floors(case):
    """dW and db are the textbook's loss_and_grads, and Z, A its forward pass."""
    net, config, X, T = case_setup(case, 3, seed=7)
    step = step_by_hand(net, config, X, T)
    weights, biases, activations = net.layers()
    _, dW, db = nncore.textbook.loss_and_grads(X, T, weights, biases, activations, config.loss)
    Z, A = nncore.textbook.forward(X, weights, biases, activations)
    for l, layer in enumerate(step.layers):
        np.testing.assert_array_equal(layer.dW.values, dW[l])
        assert (layer.db is None) == (db[l] is None)
        np.testing.assert_array_equal(layer.Z.values, Z[l + 1])
        np.testing.assert_array_equal(layer.A.values, A[l + 1])


def test_the_penalty_is_a_separate_term_only_when_there_is_one():
    net, config, X, T = case_setup(CASES[0], 2)
    assert all(layer.dW_penalty is None for layer in step_by_hand(net, config, X, T).layers)
    step = step_by_hand(net, config.replace(l2=0.5, l1=0.25), X, T)
    for layer, W in zip(step.layers, net.weights):
        np.testing.assert_allclose(layer.dW_penalty.values, 0.5 * W + 0.25 * np.sign(W))
    expected = sum(0.25 * np.sum(W ** 2) + 0.25 * np.sum(np.abs(W)) for W in net.weights)
    assert step.penalty == pytest.approx(expected, rel=1e-12)


def test_momentum_s_first_step_is_the_plain_one_as_its_note_says():
    net, config, X, T = case_setup(CASES[0], 2)
    config = config.replace(optimizer="momentum")
    step = step_by_hand(net, config, X, T)
    assert any("first step (v = 0)" in note for note in step.notes)
    trained = net.copy()
    nncore.train(trained, X, T, config)
    for layer, w in zip(step.layers, trained.weights):
        assert_close(layer.W_new.values, w)


# ---------------------------------------------------------------- (b) by hand
def worked_net():
    """2 → 2 → 1, ReLU hidden, identity output:
    W₁ = [[1, −1], [2, 0.5]], b₁ = [0, −1], W₂ = [[0.5], [−1]], b₂ = [0.5]."""
    net = nncore.MLP([2, 2, 1], activation="relu", output="identity", seed=0)
    net.set_parameters([[[1.0, -1.0], [2.0, 0.5]], [[0.5], [-1.0]]],
                       [[0.0, -1.0], [0.5]])
    return net


def test_a_small_network_worked_by_hand():
    # x = [1, 2], t = 1, mse, η = 0.1
    # Z₁ = x W₁ + b₁ = [1·1 + 2·2 + 0, 1·(−1) + 2·0.5 − 1] = [5, −1];  A₁ = relu = [5, 0]
    # Z₂ = A₁ W₂ + b₂ = 5·0.5 + 0·(−1) + 0.5 = 3 = Y;  loss = ½ (3 − 1)² / 1 = 2
    # δ₂ = (Y − T)/N · 1 = 2;  dW₂ = A₁ᵀ δ₂ = [[10], [0]];  db₂ = [2]
    # δ₁ = (δ₂ W₂ᵀ) ⊙ relu′(Z₁) = [1, −2] ⊙ [1, 0] = [1, 0]
    # dW₁ = xᵀ δ₁ = [[1, 0], [2, 0]];  db₁ = [1, 0]
    # W₁ − η dW₁ = [[0.9, −1], [1.8, 0.5]];  b₁ − η db₁ = [−0.1, −1]
    # W₂ − η dW₂ = [[−0.5], [−1]];  b₂ − η db₂ = [0.3]
    step = step_by_hand(worked_net(), nncore.TrainConfig(loss="mse", learning_rate=0.1),
                        [[1.0, 2.0]], [[1.0]])
    first, second = step.layers
    expected = {
        (first, "Z"): [[5, -1]], (first, "A"): [[5, 0]], (second, "Z"): [[3]],
        (second, "A"): [[3]], (second, "dZ"): [[2]], (first, "dZ"): [[1, 0]],
        (second, "dW"): [[10], [0]], (second, "db"): [2], (first, "dW"): [[1, 0], [2, 0]],
        (first, "db"): [1, 0], (first, "W_new"): [[0.9, -1], [1.8, 0.5]],
        (first, "b_new"): [-0.1, -1], (second, "W_new"): [[-0.5], [-1]],
        (second, "b_new"): [0.3],
    }
    for (layer, name), values in expected.items():
        np.testing.assert_allclose(getattr(layer, name).values, values, atol=1e-15,
                                   err_msg=f"{name} of layer {layer.layer}")
    assert step.loss == 2.0 and step.penalty == 0.0
    assert [first.Z.title, second.dZ.title] == ["Z₁ = A₀ W₁ + b₁  (1, 2)",
                                                "δ₂ = (Y − T)/N ⊙ f′(Z₂)  (1, 1)"]


def test_the_worked_example_with_l1_and_l2():
    # l2 = 0.1, l1 = 0.2: penalty₂ = 0.1 W₂ + 0.2 sign(W₂) = [[0.05 + 0.2], [−0.1 − 0.2]]
    #   = [[0.25], [−0.3]];  W₂ − η (dW₂ + penalty₂) = [[0.5 − 0.1·10.25], [−1 − 0.1·(−0.3)]]
    #   = [[−0.525], [−0.97]];  b₂ has no penalty: [0.3]
    # penalty = ½·0.1·(1 + 1 + 4 + 0.25 + 0.25 + 1) + 0.2·(1 + 1 + 2 + 0.5 + 0.5 + 1) = 1.575
    config = nncore.TrainConfig(loss="mse", learning_rate=0.1, l2=0.1, l1=0.2)
    step = step_by_hand(worked_net(), config, [[1.0, 2.0]], [[1.0]])
    second = step.layers[1]
    np.testing.assert_allclose(second.dW_penalty.values, [[0.25], [-0.3]], atol=1e-15)
    np.testing.assert_allclose(second.W_new.values, [[-0.525], [-0.97]], atol=1e-15)
    np.testing.assert_allclose(second.b_new.values, [0.3], atol=1e-15)
    assert step.penalty == pytest.approx(1.575, abs=1e-15)
    assert second.dW_penalty.title == "penalty₂ = 0.1 W₂ + 0.2 sign(W₂)  (2, 1)"


# ---------------------------------------------------------------- (c) the source lines
def all_quantities(step):
    for layer in step.layers:
        for name in ("Z", "A", "dZ", "dW", "db", "dW_penalty", "W_new", "b_new"):
            if getattr(layer, name) is not None:
                yield layer, name, getattr(layer, name)


ASSIGNMENTS = {"Z": r"^Z = ", "A": r"^A\.append\(", "dW": r"^dW = ", "db": r"^db = ",
               "W_new": r"^params \+= "}
"""For each quantity, the assignment one of its lines must make."""


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_source_line_is_in_its_file_at_its_number(case):
    net, config, X, T = case_setup(case, 2)
    step = step_by_hand(net, config.replace(l1=0.1, l2=0.1), X, T)
    L = len(step.layers)
    for layer, name, quantity in all_quantities(step):
        assert quantity.sources, f"no line for {name}"
        for line in quantity.sources:
            assert line.file.startswith("nncore/")
            text = (ROOT / line.file).read_text(encoding="utf-8").splitlines()
            assert text[line.number - 1].strip() == line.text
        pattern = {"dZ": r"^dZ_L = " if layer.layer == L else r"^dZ = "}.get(name) or \
            ASSIGNMENTS.get(name, "")
        if name == "dW_penalty":
            pattern = r"l2_mask"
        assert any(re.search(pattern, line.text) for line in quantity.sources), (name, pattern)
        if name in ("Z", "A", "dZ", "dW", "db"):
            assert quantity.sources[0].file.startswith("nncore/textbook")
    assert any(line.text.startswith("return") for line in step.loss_sources)


def test_the_activation_s_lines_are_its_own():
    """A tanh layer shows tanh's body (and tanh′'s under δ), not another activation's."""
    net = nncore.MLP([2, 3, 1], activation="tanh", output="sigmoid", seed=0)
    step = step_by_hand(net, nncore.TrainConfig(loss="bce"), [[0.0, 1.0]], [[1.0]])
    first = step.layers[0]
    lines, start = inspect.getsourcelines(nncore.textbook_functions.tanh)
    own = range(start, start + len(lines))
    body = [line for line in first.A.sources if line.file == "nncore/textbook_functions.py"]
    assert body and all(line.number in own for line in body)
    assert any("tanh" in line.text for line in first.dZ.sources[-1:])


def test_a_line_is_read_from_the_code_as_it_is_now(tmp_path, monkeypatch):
    """Change a function's file: the line found moves and changes with it."""
    module = tmp_path / "floor_for_test.py"
    module.write_text("def f(x):\n    y = x + 1\n    return y\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    floor = importlib.import_module("floor_for_test")
    first = source_line(floor.f, "y = ")
    assert (first.number, first.text) == (2, "y = x + 1")
    module.write_text("def f(x):\n    # a comment\n    y = x * 2   # doubled\n    return y\n",
                      encoding="utf-8")
    floor = importlib.reload(floor)
    moved = source_line(floor.f, "y = ")
    assert (moved.number, moved.text) == (3, "y = x * 2   # doubled")
    assert source_line(floor.f, "z = ") is None
    assert hand.body_lines(floor.f)[-1].text == "return y"
    sys.modules.pop("floor_for_test", None)


def test_the_code_text_names_each_run_of_lines():
    line = hand.SourceLine
    text = code_text([("Z₁", (line("a.py", 3, "x = 1"), line("a.py", 4, "y = 2"),
                             line("b.py", 9, "z = 3"))), ("δ₁", ())])
    assert text.splitlines() == ["# Z₁", "#   a.py:3", "x = 1", "y = 2", "#   b.py:9", "z = 3",
                                 "# δ₁", "#   (the line that computes it was not found in nncore)"]


# ---------------------------------------------------------------- the notes
def test_the_notes_say_how_the_run_s_steps_differ():
    net, config, X, T = case_setup(CASES[0], 1)
    assert step_by_hand(net, config, X, T).notes == ()
    noisy = config.replace(dropout=0.2, dropconnect=0.1, optimizer="adam", schedule="step")
    notes = " ".join(step_by_hand(net, noisy, X, T).notes)
    for words in ("dropout and DropConnect", "evaluation mode", "Adam", "root of a running mean",
                  "step schedule"):
        assert words in notes
    for optimizer, words in (("rmsprop", "RMSProp"), ("nesterov", "Nesterov")):
        (note,) = step_by_hand(net, config.replace(optimizer=optimizer), X, T).notes
        assert words in note and note.count(".") <= 2       # one sentence (ε = 1e-08 aside)
    post = nncore.MLP([2, 3, 1], activation="sigmoid", output="sigmoid", seed=0)
    (note,) = step_by_hand(post, nncore.TrainConfig(loss="mse", gradient_loss="bce"),
                           [[0.2, 0.4]], [[0.6]]).notes
    assert "records the mse loss but descends the gradient of bce" in note


# ---------------------------------------------------------------- (d) bad input
X10, T10 = np.arange(20.0).reshape(10, 2), np.zeros((10, 1))


@pytest.mark.parametrize("rows, message", [
    ([], "Pick at least one training row."),
    ([0, 1, 2, 3, 4], f"Pick at most {MAX_ROWS} training rows, not 5."),
    ([10], "There is no training row 11: the training set has rows 1 to 10."),
    ([-1], "There is no training row 0: the training set has rows 1 to 10."),
    ([2, 2], "Pick each training row once."),
    ([1.5], "Rows are picked by whole numbers"),
])
def test_bad_rows_are_refused_in_plain_words(rows, message):
    with pytest.raises(ValueError) as refused:
        pick_rows(X10, T10, rows)
    assert str(refused.value).startswith(message)


def test_rows_that_do_not_fit_the_network_are_refused_in_plain_words():
    net, config = nncore.MLP([2, 3, 1], seed=0), nncore.TrainConfig(loss="mse")
    wrong_width = r"Expected X_rows of shape \(N, 2\), got an array of shape \(1, 3\)"
    with pytest.raises(ValueError, match=wrong_width):
        step_by_hand(net, config, np.ones((1, 3)), np.ones((1, 1)))
    with pytest.raises(ValueError, match="Pick at most 4 training rows, not 5"):
        step_by_hand(net, config, np.ones((5, 2)), np.ones((5, 1)))
    with pytest.raises(ValueError, match="Pick at least one training row"):
        step_by_hand(net, config, np.ones((0, 2)), np.ones((0, 1)))
    with pytest.raises(ValueError, match="T_rows"):
        step_by_hand(net, config, np.ones((2, 2)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="needs a softmax output"):
        step_by_hand(net, nncore.TrainConfig(loss="ce"), np.ones((1, 2)), np.ones((1, 1)))


def test_a_diverged_network_gives_numbers_not_warnings():
    net = nncore.MLP([2, 3, 1], activation="relu", seed=0)
    net.set_parameters([np.full((2, 3), 1e300), np.full((3, 1), 1e300)],
                       [np.zeros(3), np.zeros(1)])
    step = step_by_hand(net, nncore.TrainConfig(loss="mse"), [[1e10, 1e10]], [[0.0]])
    assert not np.isfinite(step.loss)


# ---------------------------------------------------------------- tables
def test_a_matrix_table_rounds_to_four_digits_and_says_what_it_cuts():
    values = np.arange(1, 121, dtype=float).reshape(10, 12) / 3
    table, cut = matrix_table(values)
    assert table.shape == (8, 8) and table.iloc[0, 0] == 0.3333 and table.iloc[7, 7] == 30.67
    assert cut == "Showing the first 8 of 10 rows and 8 of 12 columns."
    table, cut = matrix_table(np.array([1.23456, -0.000123456]), ["b"])
    assert list(table.iloc[0]) == [1.235, -0.0001235] and list(table.index) == ["b"]
    assert cut == ""


# ---------------------------------------------------------------- (e) the section
def section_script():
    import numpy as np
    import streamlit as st

    import nncore
    from labapp.ui.step_by_hand import step_by_hand_section

    net = nncore.MLP([3, 10, 4, 2], activation="tanh", output="softmax", seed=1)
    config = nncore.TrainConfig(loss="ce", l2=0.01, optimizer="adam")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    T = np.eye(2)[rng.integers(0, 2, 12)]
    names = [f"**name {i}** [x](http://a.b)" for i in range(12)]
    step_by_hand_section(net, config, X, T, row_names=names, key="test")
    st.session_state["weights_after"] = [w.copy() for w in net.weights]


def layer_blocks(at):
    return [m.value for m in at.markdown if m.value.startswith("**Layer ")]


def batch_frames(at):
    """The dataframes of Z₁, A₁ and δ₁ (the first layer's batch matrices)."""
    return [f.value for f in at.dataframe][2:5]


def test_the_section_draws_a_block_per_layer_for_one_row_and_for_four():
    at = AppTest.from_function(section_script, default_timeout=30).run()
    assert not at.exception
    assert at.multiselect(key="test.rows").value == [0]
    assert layer_blocks(at) == ["**Layer 1**: 3 → 10 units, tanh",
                                "**Layer 2**: 10 → 4 units, tanh",
                                "**Layer 3**: 4 → 2 units, softmax"]
    assert all(list(f.index) == ["row 1"] for f in batch_frames(at))
    assert any("Adam" in i.value for i in at.info)
    codes = [c.value for c in at.code]
    assert len(codes) == 1 + 3 * 3 and "dW = A_prev.T @ dZ" in codes[2]
    assert any(c.value == "Showing the first 8 of 10 columns." for c in at.caption)
    at.multiselect(key="test.rows").set_value([0, 3, 5, 11]).run()
    assert not at.exception and len(layer_blocks(at)) == 3
    assert all(list(f.index) == ["row 1", "row 4", "row 6", "row 12"] for f in batch_frames(at))
    assert "**Z₁ = A₀ W₁ + b₁ (4, 10)**" in [shown(m.value) for m in at.markdown]


def test_the_section_explains_a_choice_it_cannot_show():
    at = AppTest.from_function(section_script, default_timeout=30).run()
    at.multiselect(key="test.rows").set_value([]).run()
    assert not at.exception and not layer_blocks(at)
    assert [i.value for i in at.info] == ["Pick at least one training row\\."]



def test_a_kept_choice_the_data_no_longer_offers_is_mended():
    """Rows kept in the session from larger data (or too many) give way to ones that exist."""
    at = AppTest.from_function(section_script, default_timeout=30)
    at.session_state["test.rows"] = [40, 2, 0, 1, 3, 4]
    at.run()
    assert not at.exception and at.multiselect(key="test.rows").value == [2, 0, 1, 3]
    at = AppTest.from_function(section_script, default_timeout=30)
    at.session_state["test.rows"] = [40]
    at.run()
    assert not at.exception and at.multiselect(key="test.rows").value == [0]
