"""What the data page shows about a table: a preview, per-column statistics, correlations, and
the scaler's effect on the training rows."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.lab_table import Table
from ..data.wording import distinct
from .prepare import Prepared

__all__ = ["preview", "column_stats", "correlations", "correlation_names", "scaling_summary",
           "split_points", "PREVIEW_ROWS"]

PREVIEW_ROWS = 200


def _with_targets(table: Table, targets: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The feature columns by name, then ``targets`` under names no feature has (a feature may
    be called ``y (target)``)."""
    columns = {name: table.X[:, j] for j, name in enumerate(table.feature_names)}
    return columns | dict(zip(distinct(targets, reserved=columns), targets.values()))


def preview(table: Table, rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first ``rows`` rows: features, then the target (class names for classification)."""
    if table.labels is not None:
        targets = {f"{table.target_names[0]} (target)":
                   np.asarray(table.class_names, dtype=object)[table.labels]}
    else:
        targets = {f"{n} (target)": table.values[:, k] for k, n in enumerate(table.target_names)}
    return pd.DataFrame({name: values[:rows] for name, values in
                         _with_targets(table, targets).items()})


def _numeric_columns(table: Table) -> dict[str, np.ndarray]:
    if table.labels is not None:
        return _with_targets(table, {f"{table.target_names[0]} (class code)":
                                     table.labels.astype(np.float64)})
    return _with_targets(table, {f"{n} (target)": table.values[:, k]
                                 for k, n in enumerate(table.target_names)})


def column_stats(table: Table) -> pd.DataFrame:
    """Count, mean, standard deviation, minimum, quartiles and maximum of every column."""
    frame = pd.DataFrame(_numeric_columns(table))
    return frame.describe().T.rename(columns={"50%": "median"})


def correlations(table: Table) -> np.ndarray:
    """Pearson correlations between every pair of numeric columns (features, then target),
    0 where a column is constant."""
    columns = np.column_stack(list(_numeric_columns(table).values()))
    with np.errstate(all="ignore"):
        matrix = np.corrcoef(columns, rowvar=False)
    return np.nan_to_num(np.atleast_2d(matrix))


def correlation_names(table: Table) -> list[str]:
    """The row and column names of :func:`correlations`."""
    return list(_numeric_columns(table))


def scaling_summary(data: Prepared) -> pd.DataFrame:
    """Per feature: what the scaler learned on the training rows and the range before and after."""
    raw = data.table.X[data.train_rows]
    return pd.DataFrame({
        "feature": list(data.table.feature_names),
        "offset (subtracted)": data.feature_offset, "scale (divided by)": data.feature_scale,
        "raw min": raw.min(axis=0), "raw max": raw.max(axis=0),
        "scaled min": data.X_train.min(axis=0), "scaled max": data.X_train.max(axis=0)})


def split_points(data: Prepared) -> dict:
    """The 2-D points of a synthetic set with their side of the split and their class codes
    (``labels``) or first target (``values``): keyword arguments for the scatter chart."""
    rows, side = data.rows_by_side()
    table = data.table
    if table.labels is not None:
        return {"points": table.points[rows], "side": side, "labels": table.labels[rows],
                "class_names": table.class_names}
    return {"points": table.points[rows], "side": side, "values": table.values[rows, 0]}
