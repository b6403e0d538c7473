"""A standalone Python script that reproduces one run with ``nncore``, for download.

The script repeats the steps of the data line (:mod:`labapp.data.lab_table`,
:mod:`labapp.compute.prepare`, :mod:`labapp.compute.run_plan`, :mod:`labapp.compute.runs`) in
plain calls: load the data, split it, fit the scaler on the training rows, encode the targets,
build the network with the same seed and train it with the same ``TrainConfig``. Its final
losses equal the app's bit for bit (tested). Run it from the project folder, where ``nncore``
(and, for the built-in tables and CSV files, ``labapp``) can be imported.
"""
from __future__ import annotations

import pprint

from nncore import synthetic

from ..settings.dataset_names import PRESET_SETS, SETS_WITH_CLASSES, UPLOAD
from ..settings.page_settings import DataSettings
from .runs import Run

__all__ = ["reproduction_script", "CSV_NAME"]

#: The file name the script reads an uploaded table from.
CSV_NAME = "data.csv"

_HEADER = '''"""Reproduces one Backprop Lab run with nncore. Run it from the project folder:

    python {name}
"""
import numpy as np

import nncore
from nncore.preprocessing import StandardScaler, make_scaler
from nncore.splits import split_indices
'''

_FOOTER = '''
# The network and its training, exactly as in the lab.
NETWORK = {network}
CONFIG = {config}
net = nncore.MLP(**NETWORK)
config = nncore.TrainConfig.from_dict(CONFIG)
{train_call}
print(result.message)
print("final training loss:", result.final_train_loss)
print("final test loss:", result.final_test_loss)
print("final training {metric}:", result.final_train_metric)
'''


def _synthetic_block(data: DataSettings) -> str:
    generator = synthetic.GENERATORS[data.dataset].__name__
    classes = f", n_classes={data.n_classes}" if data.dataset in SETS_WITH_CLASSES else ""
    lines = ["from nncore import synthetic", "",
             f"X, y = synthetic.{generator}(n_samples={data.n_samples}, noise={data.noise!r}, "
             f"seed={data.data_seed}{classes})"]
    if tuple(data.features) != ("x1", "x2"):
        lines.append(f"X, feature_names = synthetic.engineer_features(X, {list(data.features)!r})")
    return "\n".join(lines)


def _preset_block(data: DataSettings) -> str:
    return "\n".join([
        f"preset = nncore.presets.{data.dataset}()",
        "X_test = preset.X_test if preset.X_test is not None else preset.X_train[:0]",
        "T_test = preset.T_test if preset.T_test is not None else preset.T_train[:0]",
        "X = np.vstack([preset.X_train, X_test])",
        "T = np.vstack([preset.T_train, T_test])",
        "train_rows = np.arange(len(preset.X_train))",
        "test_rows = np.arange(len(preset.X_train), len(X))",
        "y = T[:, 0].astype(np.int64) if preset.config.loss in ('bce', 'ce') else T"])


def _upload_block(data: DataSettings) -> str:
    task = None if data.csv_task == "auto" else data.csv_task
    return "\n".join([
        "from labapp.data import load_csv", "",
        f"with open({CSV_NAME!r}, 'rb') as file:    # the file you uploaded",
        f"    table = load_csv(file.read(), target={data.csv_target or None!r}, task={task!r},",
        f"                     missing={data.csv_missing!r}, categorical={data.csv_categorical!r})",
        "X, y = table.dataset.X, table.dataset.y"])


def _data_block(data: DataSettings) -> str:
    if data.dataset in PRESET_SETS:
        return _preset_block(data)
    if data.dataset == UPLOAD:
        return _upload_block(data)
    if data.dataset in synthetic.GENERATORS:
        return _synthetic_block(data)
    return "\n".join(["from labapp.data import load_builtin", "",
                      f"dataset = load_builtin({data.dataset!r})", "X, y = dataset.X, dataset.y"])


def _split_block(data: DataSettings, classification: bool) -> str:
    if data.dataset in PRESET_SETS:
        return "# The preset comes with its own split (train_rows, test_rows above)."
    first = "y" if classification else "len(X)"
    return (f"train_rows, test_rows = split_indices({first}, test_ratio={data.test_ratio!r}, "
            f"seed={data.data_seed}, stratify={classification})")


def _target_block(data: DataSettings, classification: bool, units: int) -> str:
    if classification:
        encode = "y.astype(np.float64)[:, None]" if units == 1 else f"np.eye({units})[y]"
        return f"T = {encode}"
    lines = ["T = y if y.ndim == 2 else y[:, None]"]
    if data.scale_target:
        lines += ["target_scaler = StandardScaler().fit(T[train_rows])",
                  "T = target_scaler.transform(T)    # predictions map back with "
                  "target_scaler.inverse_transform"]
    return "\n".join(lines)


def _train_call(has_test: bool, paused_at: int | None) -> str:
    """The training call: the whole run, or (``paused_at``) the same run trained up to that
    epoch and paused there, with the state it would go on from (:class:`nncore.Training`)."""
    test = ",\n{indent}X_test=X[test_rows], T_test=T[test_rows]" if has_test else ""
    if paused_at is None:
        return ("result = nncore.train(net, X[train_rows], T[train_rows], config" +
                test.format(indent=" " * 22) + ")")
    return ("training = nncore.Training(net, X[train_rows], T[train_rows], config" +
            test.format(indent=" " * 27) + ")\n"
            f"training.advance({paused_at})    # the run was paused after epoch {paused_at}\n"
            "result = training.result()")


def _paused_at(run: Run) -> int | None:
    """The epoch a paused or stopped run ended at; None for a run that ended by itself."""
    result = run.result
    return result.epochs_run if result.stop_reason in ("paused", "callback") else None


def reproduction_script(run: Run, name: str = "reproduce_run.py") -> str:
    """The script's source for ``run``, saved as ``name``."""
    data, facts = run.plan.data, run.plan.facts
    classification = facts.task == "classification"
    units = run.plan.output_units
    paused_at = _paused_at(run)
    parts = [_HEADER.format(name=name),
             "# 1. The data.", _data_block(data), "",
             "# 2. Split the rows.", _split_block(data, classification), "",
             "# 3. Fit the scaler on the training rows only, then scale every row.",
             f"X = make_scaler({data.scaler!r}).fit(X[train_rows]).transform(X)", "",
             "# 4. The targets, as the network's outputs need them.",
             _target_block(data, classification, units),
             _FOOTER.format(network=pprint.pformat(run.plan.network, width=90, sort_dicts=False),
                            config=pprint.pformat(run.plan.config.to_dict(), width=90,
                                                  sort_dicts=False),
                            train_call=_train_call(facts.has_test, paused_at),
                            metric=run.result.history.metric_name)]
    return "\n".join(parts)
