"""The names of every dataset the lab offers, and their menu labels.

| names | what they are | loaded by |
|---|---|---|
| ``SYNTHETIC_SETS`` | generated 2-D sets (``nncore.synthetic``) | ``labapp.data.builtin`` |
| ``REAL_SETS`` | Boston housing, scikit-learn's bundled tables | ``labapp.data.builtin`` |
| ``PRESET_SETS`` | the seed posts' own data, split as the posts do | ``nncore.presets`` |
| ``UPLOAD`` | the student's CSV file | ``labapp.data.uploads`` |
"""
from __future__ import annotations

from nncore import synthetic

__all__ = ["SYNTHETIC_SETS", "REAL_SETS", "BUILTIN_NAMES", "PRESET_SETS", "UPLOAD", "DATASETS",
           "EXPERIMENT_SETS", "SETS_WITH_CLASSES", "describe_dataset"]

SYNTHETIC_SETS: tuple[str, ...] = tuple(synthetic.GENERATORS)
REAL_SETS: tuple[str, ...] = ("boston", "diabetes", "iris", "wine", "breast_cancer", "digits")
BUILTIN_NAMES: tuple[str, ...] = REAL_SETS + SYNTHETIC_SETS
#: The seed posts' own data, exactly as the presets build it (see :mod:`nncore.presets`).
PRESET_SETS = ("seed_001", "seed_002", "seed_003")
UPLOAD = "upload"
#: The dataset menu, in order.
DATASETS = (*SYNTHETIC_SETS, *REAL_SETS, *PRESET_SETS, UPLOAD)
#: The two-class synthetic sets the sweep and split pages experiment on.
EXPERIMENT_SETS = ("moons", "circle", "xor")
#: Synthetic sets that take a number of classes.
SETS_WITH_CLASSES = ("blobs", "spiral")


def describe_dataset(name: str) -> str:
    """A short menu label for a dataset name."""
    if name in PRESET_SETS:
        return f"{name.replace('_', ' ')} (the seed post's data)"
    if name == UPLOAD:
        return "your own CSV file"
    kind = "synthetic 2-D" if name in SYNTHETIC_SETS else "table"
    return f"{name.replace('_', ' ')} ({kind})"
