"""Comparing two configurations over seeds: Welch's test, said in plain language.

A winner is called only beyond Student's 97.5% point (:mod:`nncore.student_t`) times the
seed-to-seed noise, so with few seeds it asks for a larger gap.

>>> verdict = compare_runs([1.0, 1.2], [2.0, 2.2], name_a="lr 0.1", name_b="lr 1")
>>> verdict.winner, round(welch_threshold(0.01, 2, 0.01, 2), 2)
('a', 4.3)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .student_t import t_quantile

__all__ = ["Verdict", "compare_runs", "welch_threshold"]

_NORMAL_975 = 1.959963984540054
"""The normal distribution's 97.5% point, the limit of Student's as ν grows."""


@dataclass(frozen=True)
class Verdict:
    """Whether config ``a`` beats config ``b`` by more than the seed-to-seed noise."""

    winner: str | None          # "a", "b" or None (within the noise, or not enough seeds)
    difference: float           # mean(a) − mean(b)
    noise: float                # standard error of that difference
    sentence: str


def compare_runs(a, b, *, lower_is_better: bool = True, name_a: str = "A", name_b: str = "B",
                 score_name: str = "test loss") -> Verdict:
    """Say in plain language whether ``a`` and ``b`` (one score per seed each) really differ.

    Welch's test: the difference of means is compared with its standard error
    ``s = √(s_a²/n_a + s_b²/n_b)``. Beyond ``t·s``, with ``t`` Student's 97.5% point for the
    Welch–Satterthwaite degrees of freedom, the better one is called the winner: for normal
    noise, two configs that do not differ are called different about 5% of the time (about 2%
    with two seeds each, where the test is cautious). With few seeds ``t`` is large because the
    noise itself is measured roughly (4.3–12.7 with 2 seeds each, 2.8–4.3 with 3, 2.1–2.3 with
    10; the larger value when one config's spread dominates). Within ``t·s``, the seeds alone
    could explain the gap.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return Verdict(None, float("nan"), float("nan"),
                       f"Cannot tell whether {name_a} or {name_b} is better: each needs at least "
                       f"two seeds that finished, to measure the seed-to-seed noise.")
    difference = float(a.mean() - b.mean())
    scale = float(max(np.abs(a).max(), np.abs(b).max())) or 1.0   # squares of 1e160 overflow
    spread_a, spread_b = (a / scale).var(ddof=1) / len(a), (b / scale).var(ddof=1) / len(b)
    noise = scale * math.sqrt(spread_a + spread_b)
    threshold = welch_threshold(spread_a, len(a), spread_b, len(b))
    better_a = difference < 0 if lower_is_better else difference > 0
    winner, loser = (name_a, name_b) if better_a else (name_b, name_a)
    gap = abs(difference)
    if gap > threshold * noise:
        times = f"{gap / noise:.1f} times" if noise > 0 else "far more than"
        return Verdict("a" if better_a else "b", difference, noise,
                       f"{winner} beats {loser}: the {score_name} differs by {gap:.3g}, "
                       f"{times} the seed-to-seed noise ({noise:.2g}), where {threshold:.1f} times "
                       f"is enough with these seeds (95% confidence).")
    return Verdict(None, difference, noise,
                   f"{name_a} and {name_b} are within the seed-to-seed noise: their {score_name} "
                   f"differs by {gap:.3g}, while different seeds alone move it by about "
                   f"{noise:.2g}, and with these seeds a real difference has to exceed "
                   f"{threshold:.1f} times that. Run more seeds before calling a winner.")


def welch_threshold(spread_a: float, n_a: int, spread_b: float, n_b: int) -> float:
    """Student's 97.5% point for Welch's degrees of freedom
    ``ν = (v_a + v_b)² / (v_a²/(n_a − 1) + v_b²/(n_b − 1))``, where ``v = s²/n`` (``spread``);
    1.96 (the normal point) when neither sample varies, or their spreads overflow. ν does not
    change when both spreads are scaled, so they are divided by the larger first."""
    largest = max(spread_a, spread_b)
    if not 0 < largest < math.inf:
        return _NORMAL_975
    a, b = spread_a / largest, spread_b / largest
    return t_quantile(0.975, (a + b) ** 2 / (a ** 2 / (n_a - 1) + b ** 2 / (n_b - 1)))
