"""The user's own CSV file: from a parsed table to a :class:`Dataset`, saying what was done.

The steps, in order, each adding a plain-language note when it changes something:

1. Each column whose values are all numbers becomes numeric (decimal commas are accepted when
   the delimiter is not a comma; infinite numbers count as missing); the rest is text.
2. Columns with no values at all are dropped.
3. The target is the chosen column, or the last column.
4. The task is the chosen one, or inferred (:mod:`labapp.data.csv_target`): a text target, or
   whole numbers with few distinct values, means classification; other numbers mean regression.
5. Rows without a target value are dropped, then columns left without values. Rows with
   missing feature values are dropped, or the gaps are filled (median for numbers, the
   commonest value for text).
6. Constant columns (one value in every row) are dropped.
7. Text feature columns are one-hot encoded (one 0/1 column per value, named ``column=value``;
   a name the file already uses gets a number, ``a=u (2)``) or dropped; a text column with more
   than :data:`MAX_CATEGORIES` values is always dropped.

Bad input raises :class:`DataError` with one sentence.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .dataset import TASKS, DataError, Dataset
from .csv_reader import DELIMITERS, RawTable, read_table
from .csv_target import (check_magnitude, classification_target, is_numeric, regression_target,
                         target_task)
from .wording import count, distinct, quoted

__all__ = ["CsvOptions", "CsvResult", "load_csv", "prepare_dataset", "compact", "MAX_CATEGORIES",
           "MAX_FEATURES"]

#: A text feature with more distinct values than this is dropped, not one-hot encoded.
MAX_CATEGORIES = 50
#: The most feature columns after one-hot encoding.
MAX_FEATURES = 200
MISSING_CHOICES = ("drop", "impute")
CATEGORICAL_CHOICES = ("onehot", "drop")


@dataclass(frozen=True)
class CsvOptions:
    """The user's choices: target column (None: the last), task (None: inferred), what to do
    with rows that have missing values (``"drop"``/``"impute"``) and with text feature columns
    (``"onehot"``/``"drop"``)."""

    target: str | None = None
    task: str | None = None
    missing: str = "drop"
    categorical: str = "onehot"

    def __post_init__(self) -> None:
        for value, choices in ((self.task, (None, *TASKS)), (self.missing, MISSING_CHOICES),
                               (self.categorical, CATEGORICAL_CHOICES)):
            if value not in choices:
                raise ValueError(f"Expected one of {choices}, got {value!r}.")


@dataclass(frozen=True)
class CsvResult:
    """A loaded CSV: the ``dataset``, every column name of the file (for choosing the target),
    how the file was read, and the task inferred from the target (to offer an override)."""

    dataset: Dataset
    columns: tuple[str, ...]
    delimiter: str
    encoding: str
    inferred_task: str

    @property
    def notes(self) -> tuple[str, ...]:
        """What loading did, in plain sentences."""
        return self.dataset.notes


def _drop_empty_columns(frame: pd.DataFrame, target: str | None, notes: list[str],
                        where: str = "") -> pd.DataFrame:
    """``frame`` without its all-missing columns; an all-missing chosen target is an error.

    ``where`` finishes the note's phrase "with no values at all", e.g. "in the rows kept".
    """
    empty = [name for name in frame.columns if frame[name].isna().all()]
    if target in empty:
        raise DataError(f"The target column {target!r} has no values.")
    if len(empty) == len(frame.columns):
        raise DataError("Every column of the file is empty.")
    if empty:
        notes.append(f"Dropped {count(len(empty), 'column')} with no values at all{where}: "
                     f"{quoted(empty)}.")
    return frame.drop(columns=empty)


def _pick_target(frame: pd.DataFrame, target: str | None, notes: list[str]) -> str:
    """The target column's name: the chosen one, or the last column."""
    if target is None:
        target = frame.columns[-1]
        notes.append(f"Used the last column, {target!r}, as the target; choose another if "
                     "that is wrong.")
    if frame.shape[1] < 2:
        raise DataError(f"Besides the target {target!r} the file has no column with values.")
    return target


def _as_numbers(cells: pd.Series) -> pd.Series | None:
    """Float64 values, infinities as missing, if every present cell is a number; else None."""
    numbers = pd.to_numeric(cells, errors="coerce")
    if (numbers.isna() & cells.notna()).any():
        return None
    numbers = numbers.astype(np.float64)
    return numbers.where(np.isfinite(numbers))


def _typed(frame: pd.DataFrame, delimiter: str, notes: list[str]) -> pd.DataFrame:
    """Numeric columns as float64 (missing as NaN); text columns left as text.

    Unless commas separate the values, ``1,5`` is read as 1.5 in a column of such numbers.
    """
    typed, comma_columns = {}, []
    for name in frame.columns:
        numbers = _as_numbers(frame[name])
        if numbers is None and delimiter != ",":
            numbers = _as_numbers(frame[name].str.replace(",", ".", regex=False))
            comma_columns += [name] if numbers is not None else []
        typed[name] = frame[name] if numbers is None else numbers
    if comma_columns:
        notes.append(f"Read decimal commas as decimal points in {quoted(comma_columns)}.")
    infinite = sum(int((frame[n].notna() & typed[n].isna()).sum()) for n in frame.columns)
    if infinite:
        notes.append(f"Treated {count(infinite, 'infinite number')} as missing.")
    return pd.DataFrame(typed)


def compact(raw: RawTable) -> RawTable:
    """``raw`` with its number columns stored as numbers (step 1), which takes a fraction of the
    text's memory; an upload is held this way. Loading it skips step 1 and repeats its notes."""
    notes: list[str] = []
    return replace(raw, frame=_typed(raw.frame, raw.delimiter, notes), notes=tuple(notes))


def _drop_rows_without_target(frame: pd.DataFrame, target: str,
                              notes: list[str]) -> pd.DataFrame:
    """Rows whose target is missing cannot teach anything: drop them."""
    missing = frame[target].isna()
    if missing.any():
        notes.append(f"Dropped {count(int(missing.sum()), 'row')} with no target value.")
    return frame[~missing]


def _fill_value(column: pd.Series):
    """The median of a numeric column, or the commonest value of a text column.

    A median of huge numbers can overflow to infinity; :func:`_features` then refuses the data.
    """
    if not is_numeric(column):
        return column.mode().iloc[0]
    with np.errstate(over="ignore"):
        return column.median()


def _handle_missing(frame: pd.DataFrame, missing: str, notes: list[str]) -> pd.DataFrame:
    """Drop rows with missing feature values, or fill the gaps, noting how many."""
    gaps = frame.isna()
    if not gaps.values.any():
        return frame
    if missing == "drop":
        rows = gaps.any(axis=1)
        notes.append(f"Dropped {count(int(rows.sum()), 'row')} of {len(frame):,} because "
                     "of missing values.")
        return frame[~rows]
    notes.append(f"Filled in {count(int(gaps.values.sum()), 'missing value')}: the median in "
                 "number columns, the most common value in text columns.")
    return frame.fillna({name: _fill_value(frame[name]) for name in frame.columns
                         if gaps[name].any()})


def _drop_constant_columns(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Columns with one value in every row teach nothing: drop them."""
    constant = [name for name in frame.columns if frame[name].nunique() <= 1]
    if constant:
        notes.append(f"Dropped {count(len(constant), 'constant column')} (the same value in "
                     f"every row): {quoted(constant)}.")
    return frame.drop(columns=constant)


def _one_hot(frame: pd.DataFrame, encoded: list[str], reserved: list[str],
             notes: list[str]) -> dict[str, pd.DataFrame]:
    """The 0/1 columns of each ``encoded`` text column, named ``column=value``; a name that
    repeats a ``reserved`` name or another one-hot name gets a number, with a note."""
    blocks = {name: pd.get_dummies(frame[name], prefix=name, prefix_sep="=", dtype=np.float64)
              for name in encoded}
    names = [column for block in blocks.values() for column in block.columns]
    unique = distinct(names, reserved)
    given = iter(unique)
    for block in blocks.values():
        block.columns = [next(given) for _ in block.columns]
    renamed = [(old, new) for old, new in zip(names, unique) if old != new]
    if renamed:
        notes.append(f"Renamed {count(len(renamed), 'one-hot column')} whose name another column "
                     "already has: " + ", ".join(f"{old!r} to {new!r}" for old, new in renamed)
                     + ".")
    return blocks


def _encode_text(frame: pd.DataFrame, categorical: str, notes: list[str],
                 target: str) -> pd.DataFrame:
    """Numeric features only: text columns one-hot encoded or dropped, as chosen. One-hot names
    stay clear of the file's other columns and of the ``target``."""
    text = [name for name in frame.columns if not is_numeric(frame[name])]
    too_many = [n for n in text if frame[n].nunique() > MAX_CATEGORIES] \
        if categorical == "onehot" else text
    if too_many and categorical == "onehot":
        notes.append(f"Dropped {count(len(too_many), 'text column')} with more than "
                     f"{MAX_CATEGORIES} different values each: {quoted(too_many)}.")
    elif too_many:
        notes.append(f"Dropped {count(len(too_many), 'text column')}: {quoted(too_many)}.")
    encoded = [n for n in text if n not in too_many]
    width = len(frame.columns) - len(text) + sum(frame[n].nunique() for n in encoded)
    if width > MAX_FEATURES:                   # counted before get_dummies allocates them
        raise DataError(f"One-hot encoding would make {width:,} feature columns, more than the "
                        f"{MAX_FEATURES} allowed; drop text columns or choose \"drop\" for them.")
    if encoded:
        counts = ", ".join(f"{name!r} ({frame[name].nunique()} values)" for name in encoded)
        notes.append(f"One-hot encoded {count(len(encoded), 'text column')} into one 0/1 "
                     f"column per value: {counts}.")
    numeric = [name for name in frame.columns if name not in text]
    one_hot = _one_hot(frame, encoded, [*numeric, target], notes)
    blocks = [one_hot[name] if name in one_hot else frame[[name]]
              for name in frame.columns if name not in too_many]
    return pd.concat(blocks, axis=1) if blocks else frame.iloc[:, :0]


def _features(frame: pd.DataFrame, target: str, options: CsvOptions,
              notes: list[str]) -> pd.DataFrame:
    """The numeric feature matrix as a frame (every column but ``target``); no feature left is
    an error."""
    features = _encode_text(_drop_constant_columns(frame.drop(columns=target), notes),
                            options.categorical, notes, target)
    if features.shape[1] == 0:
        raise DataError("No usable feature column is left after dropping empty, constant "
                        "and text columns.")
    for name, column in zip(features.columns, features.to_numpy(dtype=np.float64).T):
        check_magnitude(column, f"column {name!r}")
    return features


def _check_enough_rows(frame: pd.DataFrame, missing: str) -> None:
    if len(frame) < 2:
        hint = "; try filling in missing values instead" if missing == "drop" else ""
        verb = "is" if len(frame) == 1 else "are"
        raise DataError(f"Only {count(len(frame), 'row')} with values {verb} left, and "
                        f"training needs at least two{hint}.")


def _rows_to_learn_from(frame: pd.DataFrame, target: str, missing: str,
                        notes: list[str]) -> pd.DataFrame:
    """Rows with a target value, without gaps (dropped or filled), and at least two of them."""
    frame = _drop_rows_without_target(frame, target, notes)
    frame = _drop_empty_columns(frame, target, notes, where=" in the rows with a target value")
    frame = _handle_missing(frame, missing, notes)
    _check_enough_rows(frame, missing)
    return frame


def prepare_dataset(raw: RawTable, options: CsvOptions = CsvOptions()) -> CsvResult:
    """Turn a parsed upload into a :class:`CsvResult`, following this module's steps."""
    notes = [f"Read {count(len(raw.frame), 'row')} and {count(raw.frame.shape[1], 'column')} "
             f"({raw.encoding} text, values separated by {DELIMITERS[raw.delimiter]}).",
             *raw.notes]
    if options.target is not None and options.target not in raw.columns:
        raise DataError(f"There is no column called {options.target!r}; the columns are "
                        f"{quoted(raw.columns)}.")
    frame = _drop_empty_columns(_typed(raw.frame, raw.delimiter, notes), options.target, notes)
    target = _pick_target(frame, options.target, notes)
    task, inferred = target_task(frame[target], options.task, notes)
    frame = _rows_to_learn_from(frame, target, options.missing, notes)
    if task == "classification":
        y, class_names = classification_target(frame[target], target)
    else:
        y, class_names = regression_target(frame[target], target), ()
    features = _features(frame, target, options, notes)
    dataset = Dataset(X=features.to_numpy(dtype=np.float64), y=y,
                      feature_names=tuple(str(c) for c in features.columns), target_name=target,
                      task=task, class_names=class_names, notes=tuple(notes))
    return CsvResult(dataset=dataset, columns=raw.columns, delimiter=raw.delimiter,
                     encoding=raw.encoding, inferred_task=inferred)


def load_csv(raw_bytes: bytes, target: str | None = None, task: str | None = None,
             missing: str = "drop", categorical: str = "onehot") -> CsvResult:
    """Read an uploaded CSV file into a :class:`CsvResult`.

    ``target`` names the target column (default: the last column); ``task`` is
    ``"regression"``, ``"classification"`` or None to infer it; ``missing`` is ``"drop"`` or
    ``"impute"``; ``categorical`` is ``"onehot"`` or ``"drop"``. The result's ``dataset.X`` is
    ``(N, D)`` float64 and finite, ``dataset.y`` is ``(N,)``. Raises :class:`DataError`, a
    ``ValueError``, with one plain sentence when the file cannot be used.
    """
    options = CsvOptions(target=target, task=task, missing=missing, categorical=categorical)
    return prepare_dataset(read_table(raw_bytes), options)
