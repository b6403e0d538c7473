"""Which swept setting mattered most: the share of the spread of the runs' final test loss that
each axis explains on its own (its main effect), computed by hand.

The spread is the sum of squares of every finished run's final test loss about their mean,
``SS_total = Σ (y − ȳ)²``. An axis explains the part of it that its values' means account for:
group the runs by the axis's value, ``SS_axis = Σ_groups n_g (ȳ_g − ȳ)²``, and its share is
``SS_axis / SS_total`` (the correlation ratio η², one-way analysis of variance). In a full grid
with every run finished the axes are balanced, so their shares add up to at most 1 and the rest
is what the settings do together (interactions) plus the seed-to-seed noise.

A random search draws the learning rate from a range, so every configuration has a value of its
own (grouping by it would explain every difference between configurations); such an axis, a
``continuous`` one, is cut into :data:`BINS` groups of about equal size by rank before
grouping. Its axes are not balanced, so their shares can
overlap and need not add up to 1: there is no "rest" then.

Diverged runs have no final loss to spread and are left out (and counted).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..settings.page_settings import AXIS_LABELS

__all__ = ["Importance", "BINS", "levels", "importance", "sentence"]

#: How many groups of about equal size a binned axis is cut into.
BINS = 4


@dataclass(frozen=True)
class Importance:
    """Per axis (in the sweep's order) its share of the spread; ``rest`` is 1 minus their sum
    for a balanced sweep (None when the shares may overlap); ``used`` runs went in, ``left_out``
    diverged runs did not; ``binned`` names the axes cut into :data:`BINS` groups."""

    shares: pd.DataFrame            # columns: axis, setting (its label), share
    rest: float | None
    used: int
    left_out: int
    binned: tuple[str, ...]


def levels(values: pd.Series, continuous: bool = False) -> pd.Series:
    """The group of each value: the value itself, or for a ``continuous`` axis, which of
    :data:`BINS` groups of about equal size by rank it falls in (0 = smallest)."""
    if not continuous:
        return values
    ranks = values.rank(method="dense")
    return pd.qcut(ranks, BINS, labels=False, duplicates="drop")


def _explained(scores: pd.Series, groups: pd.Series) -> float:
    """``SS_groups / SS_total`` of ``scores`` grouped by ``groups``."""
    total = float(((scores - scores.mean()) ** 2).sum())
    if total == 0.0:
        return 0.0
    by_group = scores.groupby(groups.to_numpy())
    between = float((by_group.size() * (by_group.mean() - scores.mean()) ** 2).sum())
    return between / total


def _balanced(finished: pd.DataFrame, axes, grouped: dict) -> bool:
    """Whether every combination of the axes' groups holds the same number of runs."""
    counts = finished.assign(**grouped).groupby(list(axes)).size()
    full = int(np.prod([finished.assign(**grouped)[a].nunique() for a in axes]))
    return len(counts) == full and counts.nunique() == 1


def importance(runs: pd.DataFrame, axes, continuous=()) -> Importance | None:
    """Each axis's share of the spread of the finished runs' final test loss (``runs``: one row
    per run with the axis columns, ``final_test_loss`` and ``diverged``; the ``continuous`` axes
    are binned); None with fewer than two finished runs."""
    ok = ~runs["diverged"].astype(bool) & np.isfinite(runs["final_test_loss"].astype(float))
    finished = runs[ok]
    if len(finished) < 2:
        return None
    scores = finished["final_test_loss"].astype(float)
    grouped = {a: levels(finished[a], a in continuous) for a in axes}
    shares = pd.DataFrame({"axis": list(axes), "setting": [AXIS_LABELS[a] for a in axes],
                           "share": [_explained(scores, grouped[a]) for a in axes]})
    binned = tuple(a for a in axes if a in continuous)
    rest = None
    if not binned and _balanced(finished, axes, grouped):
        rest = max(0.0, 1.0 - float(shares["share"].sum()))
    return Importance(shares, rest, len(finished), int((~ok).sum()), binned)


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def sentence(found: Importance) -> str:
    """What the shares say, in plain words, with the numbers the bar chart draws."""
    ranked = found.shares.sort_values("share", ascending=False)
    parts = [f"{row.setting} {_percent(row.share)}" for row in ranked.itertuples()]
    text = (f"Of the spread of the final test loss over the {found.used:,} runs that finished, "
            f"each setting on its own explains: {', '.join(parts)}.")
    if found.rest is not None and len(found.shares) == 1:
        text += f" The other {_percent(found.rest)} is the seed-to-seed noise."
    elif found.rest is not None:
        text += (f" The other {_percent(found.rest)} comes from the settings acting together "
                 "and from the seeds.")
    else:
        text += (" The runs are not spread evenly over the settings' values here (a random "
                 "search, or runs left out), so these shares can overlap and need not add up "
                 "to 100%.")
    if found.binned:
        names = " and ".join(AXIS_LABELS[a] for a in found.binned)
        text += f" The {names} was cut into {BINS} groups of about equal size by value."
    if found.left_out:
        text += f" {found.left_out:,} diverged runs are left out."
    return text
