"""A sweep's results as plain data: the finished runs, their rows, and their scores per
configuration over seeds."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .stacked import RunRecord

__all__ = ["SweepResult"]

_SCORES = ("final_train_loss", "final_test_loss", "final_train_metric", "final_test_metric",
          "best_test_loss", "best_epoch", "diverged", "diverged_epoch", "epochs_run", "stop_reason",
          "kept_epoch")
"""The fields of a :class:`~nncore.stacked.RunRecord` that a row of :meth:`SweepResult.rows`
holds beside the settings."""


@dataclass(frozen=True)
class SweepResult:
    """The finished runs of a sweep: ``settings[i]`` (axis values and seed) and ``records[i]``."""

    axes: tuple[str, ...]
    settings: tuple[dict, ...]
    records: tuple[RunRecord, ...]
    runs_total: int
    cancelled: bool
    seconds: float

    def rows(self) -> list[dict]:
        """Tidy records: one dict per (config, seed) with the axis values and the scores."""
        return [{**s, **{name: getattr(r, name) for name in _SCORES}}
                for s, r in zip(self.settings, self.records)]

    def config_of(self, settings: dict) -> tuple:
        """The configuration of one run's settings: its axis values, in the order of ``axes``."""
        return tuple(settings[a] for a in self.axes)

    def scores(self, score: str = "final_test_loss") -> dict[tuple, np.ndarray]:
        """Per configuration (a tuple of axis values), the score of each seed's run."""
        out: dict = {}
        for s, r in zip(self.settings, self.records):
            out.setdefault(self.config_of(s), []).append(getattr(r, score))
        return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}

    def aggregate(self, score: str = "final_test_loss") -> list[dict]:
        """Per configuration over its seeds: mean, std (n − 1), min, max, runs, diverged runs.

        Diverged runs are counted, not hidden; their scores are left out of the statistics."""
        diverged = self.scores("diverged")
        rows = []
        for config, values in self.scores(score).items():
            kept = values[~diverged[config].astype(bool)]
            rows.append({**dict(zip(self.axes, config)), "runs": len(values),
                         "diverged": int(diverged[config].sum()), **_statistics(kept)})
        return rows


def _statistics(values: np.ndarray) -> dict:
    """Mean, std (n − 1), min and max of the finite ``values``; NaN where too few are left."""
    finite = values[np.isfinite(values)]
    nan = float("nan")
    return {"mean": float(finite.mean()) if len(finite) else nan,
            "std": float(finite.std(ddof=1)) if len(finite) > 1 else nan,
            "min": float(finite.min()) if len(finite) else nan,
            "max": float(finite.max()) if len(finite) else nan}
