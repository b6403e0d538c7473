"""The lab's data: built-in datasets and the user's own CSV files (imported here), the one
table every page uses (:mod:`.lab_table`: :class:`~.lab_table.Table`, ``load_table``) and a
student's uploaded file held for that session (:mod:`.uploads`).

>>> from labapp.data import load_builtin, load_csv
>>> load_builtin("iris").X.shape
(150, 4)
>>> result = load_csv(b"size,colour,price\\n1,red,10\\n2,blue,21\\n3,red,29\\n")
>>> result.dataset.feature_names
('size', 'colour=blue', 'colour=red')
"""
from .builtin import BUILTIN_NAMES, REAL_SETS, SYNTHETIC_SETS, load_builtin
from .csv_loader import CsvOptions, CsvResult, compact, load_csv, prepare_dataset
from .dataset import TASKS, DataError, Dataset
from .decoding import MAX_BYTES, MAX_MEGABYTES
from .csv_reader import MAX_ROWS, RawTable, read_table

__all__ = [
    "Dataset", "DataError", "TASKS", "load_builtin", "BUILTIN_NAMES", "REAL_SETS",
    "SYNTHETIC_SETS", "load_csv", "read_table", "prepare_dataset", "compact", "CsvOptions",
    "CsvResult",
    "RawTable", "MAX_BYTES", "MAX_MEGABYTES", "MAX_ROWS",
]
