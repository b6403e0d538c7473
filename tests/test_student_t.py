"""Student's t quantile (nncore.student_t), which sets the seed-noise threshold of compare_runs.

Truth: the closed forms for one and two degrees of freedom, the normal limit, and SciPy where
it is installed."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nncore.student_t import t_quantile

PROBS = (0.5, 0.6, 0.9, 0.975, 0.995)


@pytest.mark.parametrize("prob", PROBS)
def test_one_degree_of_freedom_is_the_cauchy_distribution(prob):
    assert t_quantile(prob, 1) == pytest.approx(math.tan(math.pi * (prob - 0.5)), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("prob", PROBS)
def test_two_degrees_of_freedom_match_the_closed_form(prob):
    """F(t) = ½ + t / (2√(t² + 2)), so t = α√(2 / (1 − α²)) with α = 2p − 1."""
    alpha = 2 * prob - 1
    expected = alpha * math.sqrt(2 / (1 - alpha ** 2))
    assert t_quantile(prob, 2) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_many_degrees_of_freedom_approach_the_normal_distribution():
    assert t_quantile(0.975, 1e12) == pytest.approx(1.959963984540054, rel=1e-9)
    assert t_quantile(0.975, math.inf) == t_quantile(0.975, 1e200) == t_quantile(0.975, 1e12)
    assert t_quantile(0.975, 30) > t_quantile(0.975, 100) > t_quantile(0.975, 1e6) > 1.95996


def test_fractional_degrees_of_freedom_match_scipy():
    stats = pytest.importorskip("scipy.stats", reason="SciPy (a scikit-learn dependency) is "
                                "not installed, so there is no reference for fractional ν")
    for df in (1.01, 1.3, 2.5, 3.7, 7.2, 18.4, 250.0, 5e4, 1e9):
        for prob in PROBS:
            assert t_quantile(prob, df) == pytest.approx(stats.t.ppf(prob, df), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("prob, df", [(0.4, 3), (1.0, 3), (0.975, 0.5), (0.975, float("nan"))])
def test_out_of_range_arguments_are_refused_with_a_message(prob, df):
    with pytest.raises(ValueError, match="probability|degrees of freedom"):
        t_quantile(prob, df)
