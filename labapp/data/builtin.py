"""The datasets that ship with the lab: Boston housing, scikit-learn's bundled sets, and the
two-dimensional synthetic sets. Nothing is downloaded. The names are the lab's catalogue
(:mod:`labapp.settings.dataset_names`).

| name | rows × features | task | target |
|---|---|---|---|
| ``boston`` | 506 × 12 | regression | ``MEDV`` (median home value, $1000s) |
| ``diabetes`` | 442 × 10 | regression | disease progression after one year |
| ``iris`` | 150 × 4 | classification, 3 classes | species |
| ``wine`` | 178 × 13 | classification, 3 classes | cultivar |
| ``breast_cancer`` | 569 × 30 | classification, 2 classes | diagnosis |
| ``digits`` | 1797 × 64 | classification, 10 classes | digit |
| circle, xor, blobs, spiral, moons | ``n_samples`` × 2 | classification | ``class`` |
| plane, multi_gaussian | ``n_samples`` × 2 | regression | ``y`` |
"""
from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np

from nncore import datasets as shipped
from nncore import synthetic

from ..settings.dataset_names import BUILTIN_NAMES, REAL_SETS, SYNTHETIC_SETS
from .dataset import DataError, Dataset

__all__ = ["load_builtin", "REAL_SETS", "SYNTHETIC_SETS", "BUILTIN_NAMES"]


#: scikit-learn's bundled tables: name → (target name, task). Each is read with
#: ``sklearn.datasets.load_<name>``; diabetes in its original units (``scaled=False``).
_SCIKIT_LEARN: dict[str, tuple[str, str]] = {
    "diabetes": ("disease progression", "regression"),
    "iris": ("species", "classification"),
    "wine": ("cultivar", "classification"),
    "breast_cancer": ("diagnosis", "classification"),
    "digits": ("digit", "classification"),
}

#: What to tell students about each real table, one sentence per entry.
_NOTES: dict[str, tuple[str, ...]] = {
    "boston": ("Boston housing (Harrison and Rubinfeld, 1978): 506 towns, 12 features; the "
               "column B is left out, and the data card explains why.",
               "MEDV is capped at 50.0 in 16 rows: the highest prices were censored."),
    "diabetes": ("Diabetes data of Efron et al. (2004), bundled with scikit-learn: 442 "
                 "patients, ten baseline measurements in their original units (s1-s6 are "
                 "blood serum readings).",
                 "The target measures disease progression one year after the baseline."),
    "iris": ("Fisher's iris flowers, bundled with scikit-learn: 150 flowers of three species, "
             "four measurements each in centimetres.",),
    "wine": ("Wines from three cultivars of one Italian region, bundled with scikit-learn: "
             "178 wines, 13 chemical measurements each.",),
    "breast_cancer": ("Wisconsin diagnostic breast cancer data, bundled with scikit-learn: "
                      "569 tumours, 30 features computed from images of cell nuclei.",),
    "digits": ("Handwritten digits, bundled with scikit-learn: 1,797 images of 8x8 pixels; "
               "each of the 64 features is one pixel's darkness from 0 to 16.",),
}


def _boston() -> Dataset:
    """Boston housing from the copy shipped in ``nncore/datasets``."""
    table = shipped.load_boston()
    return Dataset(X=table.data, y=table.target, feature_names=table.feature_names,
                   target_name=table.target_name, task="regression", notes=_NOTES["boston"])


def _scikit_learn_set(name: str) -> Dataset:
    """One of scikit-learn's bundled tables, read from the installed package (imported here,
    on first use: importing scikit-learn takes most of a second, which every page of a server
    waking from sleep would otherwise pay)."""
    from sklearn import datasets as sk
    target_name, task = _SCIKIT_LEARN[name]
    load = getattr(sk, f"load_{name}")
    bunch = load(scaled=False) if name == "diabetes" else load()
    class_names = tuple(str(c) for c in bunch.target_names) if task == "classification" else ()
    return Dataset(X=bunch.data, y=bunch.target,
                   feature_names=tuple(str(f) for f in bunch.feature_names),
                   target_name=target_name, task=task, class_names=class_names,
                   notes=_NOTES[name])


def _synthetic_set(name: str, features: Sequence[str] | None, options: dict) -> Dataset:
    """A generated 2-D set, optionally with engineered features; ``DataError`` on bad options."""
    generator = synthetic.GENERATORS[name]
    signature = inspect.signature(generator)
    unknown = sorted(set(options) - set(signature.parameters))
    if unknown:
        raise DataError(f"The {name} set takes {', '.join(signature.parameters)}, "
                        f"not {', '.join(unknown)}.")
    settings = signature.bind(**options)
    settings.apply_defaults()
    X, y = generator(**settings.arguments)
    feature_names: tuple[str, ...] = ("x1", "x2")
    if features is not None:
        X, feature_names = synthetic.engineer_features(X, features)
    classification = synthetic.TASK_OF[name] == "classification"
    described = ", ".join(f"{key.replace('_', ' ')} {value}"
                          for key, value in settings.arguments.items() if key != "n_samples")
    return Dataset(X=X, y=y, feature_names=feature_names,
                   target_name="class" if classification else "y", task=synthetic.TASK_OF[name],
                   class_names=tuple(str(c) for c in np.unique(y)) if classification else (),
                   notes=(f"Synthetic {name.replace('_', ' ')} set: {len(y)} points, "
                          f"{described}.",))


def load_builtin(name: str, features: Sequence[str] | None = None, **options) -> Dataset:
    """A bundled or synthetic dataset by name (see the table in this module's docstring).

    For synthetic sets, ``options`` go to the generator (``n_samples``, ``noise``, ``seed`` and,
    for ``blobs`` and ``spiral``, ``n_classes``), and ``features`` optionally replaces
    ``(x1, x2)`` by engineered features chosen from
    :data:`nncore.synthetic.ENGINEERED_FEATURES`. Real tables take no options.
    Raises :class:`DataError` for an unknown name or options a set does not take.
    """
    if name not in BUILTIN_NAMES:
        raise DataError(f"There is no built-in dataset called {name!r}; "
                        f"choose one of {', '.join(BUILTIN_NAMES)}.")
    if name in SYNTHETIC_SETS:
        try:
            return _synthetic_set(name, features, options)
        except ValueError as error:
            raise DataError(str(error)) from None
    if options or features is not None:
        raise DataError(f"The {name} dataset is a fixed table and takes no options.")
    return _boston() if name == "boston" else _scikit_learn_set(name)
