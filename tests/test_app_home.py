"""The home page: what it explains, and the one-click seed presets."""
import pytest
from app_testing import (fresh_caches, metrics, no_exception, open_page, params,  # noqa: F401
                         texts, train)

import nncore
from labapp.settings.seed_presets import preset_state
from labapp.settings.url_state import encode


def test_home_explains_the_lab_with_a_picture_and_equations():
    at = open_page("Home")
    no_exception(at)
    assert at.title[0].value == "Backprop Lab"
    assert len(at.get("image")) == 1, "the network's picture"
    latex = [e.value for e in at.latex]
    assert any(r"Z_{1} &= X_{0} W_{1} + b_{1} &&: (8, 2)\cdot(2, 8)" in e for e in latex)
    assert any(r"\frac{\partial L}{\partial W_{1}}" in e for e in latex)
    assert "105 parameters" in texts(at)
    assert [b.label for b in at.button].count("Open on the Train page") == 3
    assert at.query_params.get("data") is None, "the home page keeps its address clean"


@pytest.mark.parametrize("index, key", [(0, "seed_001"), (1, "seed_002"), (2, "seed_003")])
def test_a_preset_opens_the_train_page_set_up_as_the_seed_describes(index, key):
    at = open_page("Home")
    at.button(key=f"preset.{key}").click().run()
    no_exception(at)
    assert at.title[0].value == "Train a network"
    assert params(at) == encode(preset_state(key))
    assert at.selectbox(key="w.data").value == key
    expected = preset_state(key).train
    assert at.select_slider(key="w.lr").value == expected.learning_rate
    assert at.slider(key="w.epochs").value == expected.epochs
    assert at.toggle(key="w.bias").value == expected.bias


@pytest.mark.parametrize("key", ["seed_001", "seed_003"])
def test_a_preset_trains_to_the_engine_presets_result(key):
    at = open_page("Home")
    at.button(key=f"preset.{key}").click().run()
    train(at)
    no_exception(at)
    _, result = nncore.presets.PRESETS[key]().run()
    shown = metrics(at)
    assert shown["Training loss"] == f"{result.final_train_loss:.4g}"
    expected_test = f"{result.final_test_loss:.4g}" if result.final_test_loss == \
        result.final_test_loss else "—"
    assert shown["Test loss"] == expected_test
