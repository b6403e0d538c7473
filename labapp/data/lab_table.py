"""The first step of the data line: the table a :class:`~labapp.settings.page_settings.DataSettings`
names (built-in, synthetic, a seed preset's own data, or the user's CSV file), in one shape
every page can use. The table keeps the settings it was loaded from (``source``), so the next
step (:func:`labapp.compute.prepare.prepare`) takes the table alone.

Built-in and uploaded data come from :mod:`labapp.data`; the seed presets' data comes from
:mod:`nncore.presets`, unchanged, with the split the post made.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nncore import presets, synthetic

from ..settings.dataset_names import PRESET_SETS, SETS_WITH_CLASSES, UPLOAD
from ..settings.page_settings import DataSettings
from .builtin import load_builtin
from .csv_loader import CsvOptions, prepare_dataset
from .dataset import DataError, Dataset
from .uploads import Upload

__all__ = ["Table", "load_table"]


@dataclass(frozen=True)
class Table:
    """One dataset, ready to split, and the ``source`` settings it was loaded from.

    - ``X`` ``(N, D)``: raw features, named by ``feature_names``.
    - ``values`` ``(N, K)``: regression targets named by ``target_names`` (None for
      classification); ``labels`` ``(N,)``: class codes ``0 .. C-1`` named by ``class_names``
      (None for regression).
    - ``points`` ``(N, 2)``: the 2-D points the rows were made from (synthetic sets), so a
      decision boundary can be drawn in their plane; ``engineered`` lists the features computed
      from them, or is empty when ``X`` is the points themselves.
    - ``fixed_split``: ``(train_rows, test_rows)`` when the data comes with its split (the seed
      presets); otherwise the train page splits it.
    - ``csv_columns``: every column of an uploaded file, to offer the target choice.
    """

    source: DataSettings
    title: str
    task: str
    X: np.ndarray
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    values: np.ndarray | None = None
    labels: np.ndarray | None = None
    class_names: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    points: np.ndarray | None = None
    engineered: tuple[str, ...] = ()
    fixed_split: tuple[np.ndarray, np.ndarray] | None = None
    csv_columns: tuple[str, ...] = field(default=())

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_targets(self) -> int:
        return 1 if self.values is None else self.values.shape[1]


def _from_dataset(source: DataSettings, dataset: Dataset, title: str, **extra) -> Table:
    classification = dataset.task == "classification"
    return Table(source=source, title=title, task=dataset.task, X=dataset.X,
                 feature_names=dataset.feature_names, target_names=(dataset.target_name,),
                 values=None if classification else dataset.y[:, None],
                 labels=dataset.y if classification else None, class_names=dataset.class_names,
                 notes=dataset.notes, **extra)


def _synthetic(data: DataSettings) -> Table:
    options = {"n_samples": data.n_samples, "noise": data.noise, "seed": data.data_seed}
    if data.dataset in SETS_WITH_CLASSES:
        options["n_classes"] = data.n_classes
    points = load_builtin(data.dataset, **options)
    title = data.dataset.replace("_", " ")
    if tuple(data.features) == ("x1", "x2"):
        return _from_dataset(data, points, title, points=points.X)
    X, names = synthetic.engineer_features(points.X, data.features)
    engineered = Dataset(X=X, y=points.y, feature_names=names, target_name=points.target_name,
                         task=points.task, class_names=points.class_names, notes=points.notes)
    return _from_dataset(data, engineered, title, points=points.X, engineered=names)


def _preset(data: DataSettings) -> Table:
    preset = presets.PRESETS[data.dataset]()
    X_test = preset.X_test if preset.X_test is not None else preset.X_train[:0]
    T_test = preset.T_test if preset.T_test is not None else preset.T_train[:0]
    X, T = np.vstack([preset.X_train, X_test]), np.vstack([preset.T_train, T_test])
    n_train = len(preset.X_train)
    split = (np.arange(n_train), np.arange(n_train, len(X)))
    classification = preset.config.loss in ("bce", "ce")
    names = tuple(f"t{k + 1}" for k in range(T.shape[1])) if T.shape[1] > 1 else ("target",)
    return Table(source=data, title=preset.title,
                 task="classification" if classification else "regression", X=X,
                 feature_names=preset.feature_names, target_names=names,
                 values=None if classification else T,
                 labels=T[:, 0].astype(np.int64) if classification else None,
                 class_names=("0", "1") if classification else (),
                 notes=(preset.description, *preset.notes),
                 points=X if classification and X.shape[1] == 2 else None, fixed_split=split)


def _upload(data: DataSettings, upload: Upload | None) -> Table:
    if upload is None:
        raise DataError("No file is uploaded yet: choose a CSV file on the Data page.")
    options = CsvOptions(target=data.csv_target or None,
                         task=None if data.csv_task == "auto" else data.csv_task,
                         missing=data.csv_missing, categorical=data.csv_categorical)
    result = prepare_dataset(upload.for_settings(data.upload), options)
    return _from_dataset(data, result.dataset, "your CSV file", csv_columns=result.columns)


def load_table(data: DataSettings, upload: Upload | None = None) -> Table:
    """The table ``data`` names; ``upload`` is the session's uploaded file, checked against the
    digest in ``data``. Raises ``DataError``."""
    if data.dataset == UPLOAD:
        return _upload(data, upload)
    if data.dataset in PRESET_SETS:
        return _preset(data)
    if data.dataset in synthetic.GENERATORS:
        return _synthetic(data)
    return _from_dataset(data, load_builtin(data.dataset), data.dataset.replace("_", " "))
