"""The data and train controls: widgets in, settings out.

:func:`data_controls` and :func:`train_controls` draw the controls for the current settings and
return new settings, checked against the server's caps
(:func:`labapp.settings.page_settings.checked`).
"""
from __future__ import annotations

from dataclasses import replace

from nncore.activations import HIDDEN
from nncore.config import DROPCONNECT_RULES
from nncore.initializers import INITIALIZERS
from nncore.losses import LOSSES
from nncore.optimizers import OPTIMIZERS
from nncore.preprocessing import SCALERS
from nncore.synthetic import ENGINEERED_FEATURES, GENERATORS

from ..compute.tasks import losses_for, outputs_for
from ..data.decoding import MAX_MEGABYTES
from ..server.limits import (MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_SAMPLES, MAX_SEED, MAX_WIDTH,
                             MIN_SAMPLES)
from ..settings.dataset_names import (DATASETS, PRESET_SETS, SETS_WITH_CLASSES, UPLOAD,
                                      describe_dataset)
from ..settings.page_settings import (CSV_TASKS, SAME_LOSS, DataSettings, TrainSettings,
                                     checked)
from ..views.plain_text import plain
from . import session
from .widgets import Panel

__all__ = ["data_controls", "split_controls", "train_controls", "LEARNING_RATES", "BATCH_SIZES",
           "L2_PENALTIES"]

#: The learning-rate slider's steps: 1 and 3 per decade, from 1e-6 to 10.
LEARNING_RATES = [m * 10.0 ** e for e in range(-6, 1) for m in (1, 3)] + [10.0]
#: Batch sizes offered (0 is the full batch).
BATCH_SIZES = [0] + [2 ** k for k in range(11)]
L2_PENALTIES = [0.0] + [m * 10.0 ** e for e in range(-5, 0) for m in (1, 3)] + [1.0]

_HELP = {
    "scaler": "Fitted on the training rows only, then applied to every row. standard: "
              "(x − mean)/std; minmax: onto [0, 1]; maxabs: divide by the largest |x|.",
    "scale_target": "Regression only: train on standardised targets, then map predictions "
                    "back to the original units.",
    "test": "The share of rows held out to measure how well the network generalises.",
    "data_seed": "Draws the synthetic points and the train/test split.",
    "lr": "The step size of gradient descent, on a log scale. Too large and the loss "
          "explodes; too small and it barely moves.",
    "batch": "Rows per gradient step. Full batch uses every training row each step; small "
             "batches take noisier, more frequent steps.",
    "dropout": "Each hidden unit is zeroed with this probability during training (the rest are "
               "scaled up), which discourages units from relying on each other.",
    "dropconnect": "Each weight is zeroed with this probability during training and the rest "
                   "rescaled: dropout on connections instead of units.",
    "dc_rule": "standard: each weight is dropped with probability p and the kept ones are "
               "scaled by 1/(1 − p); the backward pass goes through the same masked weights. "
               "post: seed post 001's rule: exactly ⌊p·size⌋ weights of each matrix are "
               "dropped, none rescaled, and the backward pass uses the unmasked weights.",
    "grad_loss": "same: the steps descend the loss shown. Another loss: the curve still shows "
                 "the chosen loss, but each step follows the other loss's gradient (seed post "
                 "003 records squared error while its output delta a − y is cross-entropy's).",
    "l2": "Adds (λ/2)·Σ‖W‖² to the loss, pulling weights towards zero.",
    "seed": "Draws the initial weights, the mini-batch order and the dropout masks.",
}


def _fmt_rate(value: float) -> str:
    return f"{value:g}"


def _fmt_batch(value: int) -> str:
    return "full batch" if value == 0 else str(value)


def _dataset_choice(panel: Panel, current: DataSettings) -> str:
    return panel.choice("data", "Dataset", DATASETS, current.dataset, fmt=describe_dataset)


def _preset_split_note(panel: Panel, dataset: str) -> None:
    if dataset in PRESET_SETS:
        panel.where.caption("This data comes split as its seed post splits it, so the test "
                            "share and data seed do not change it.")


def split_controls(panel: Panel, current: DataSettings) -> DataSettings:
    """The dataset choice, the test share and the data seed (the train page's data controls)."""
    dataset = _dataset_choice(panel, current)
    _preset_split_note(panel, dataset)
    test = panel.slider("test", "Test share", 0.05, 0.95, current.test_ratio, 0.05,
                        help=_HELP["test"])
    seed = panel.number("data_seed", "Data seed", 0, MAX_SEED, current.data_seed,
                        help=_HELP["data_seed"])
    return _checked_here(panel, replace(current, dataset=dataset, test_ratio=test,
                                        data_seed=seed))


def _checked_here(panel: Panel, settings):
    """``settings`` made valid; what had to change is said under the controls that changed it
    (no input features left, say), so a widget never silently disagrees with the settings."""
    settings, notes = checked(settings)
    for note in notes:
        panel.where.warning(plain(note), icon=":material/info:")
    return settings


def _synthetic_options(panel: Panel, current: DataSettings, dataset: str) -> dict:
    changes = {
        "n_samples": panel.slider("n", "Samples", MIN_SAMPLES, MAX_SAMPLES, current.n_samples,
                                  10),
        "noise": panel.slider("noise", "Noise", 0.0, 1.0, current.noise, 0.05),
        "features": panel.several("features", "Input features", ENGINEERED_FEATURES,
                                  current.features,
                                  help="Features computed from the point (x1, x2), as in "
                                       "TensorFlow Playground."),
    }
    if dataset in SETS_WITH_CLASSES:
        changes["n_classes"] = panel.slider("classes", "Classes", 2, 6, current.n_classes, 1)
    return changes


def _held_upload(panel: Panel, current: DataSettings) -> str:
    """The SHA-256 of the file in the upload box (kept for the session), or of the one the
    settings already name."""
    uploaded = panel.where.file_uploader("CSV file", type=["csv", "txt", "tsv"],
                                         key=session.WIDGET_PREFIX + "upload",
                                         max_upload_size=MAX_MEGABYTES)
    if uploaded is None:
        return current.upload
    return session.store_upload(uploaded.getvalue())


def _csv_options(panel: Panel, current: DataSettings) -> dict:
    digest = _held_upload(panel, current)
    held = session.upload_for(replace(current, dataset=UPLOAD))
    columns = held.columns if held is not None and held.digest == digest else ()
    return {
        "upload": digest,
        "csv_target": panel.choice("target", "Target column", ("", *columns), current.csv_target,
                                   fmt=lambda c: c or "(the last column)"),
        "csv_task": panel.choice("task", "Task", CSV_TASKS, current.csv_task),
        "csv_missing": panel.choice("missing", "Rows with missing values", ("drop", "impute"),
                                    current.csv_missing),
        "csv_categorical": panel.choice("categorical", "Text columns", ("onehot", "drop"),
                                        current.csv_categorical),
    }


def data_controls(panel: Panel, current: DataSettings) -> DataSettings:
    """Every data setting: dataset, its options or the CSV upload, scaling and the split."""
    dataset = _dataset_choice(panel, current)
    changes = {"dataset": dataset}
    if dataset in GENERATORS:
        changes |= _synthetic_options(panel, current, dataset)
    if dataset == UPLOAD:
        changes |= _csv_options(panel, current)
    changes["scaler"] = panel.choice("scaler", "Scaler", tuple(SCALERS), current.scaler,
                                     help=_HELP["scaler"])
    changes["scale_target"] = panel.toggle("scale_target", "Standardise a regression target",
                                           current.scale_target, help=_HELP["scale_target"])
    _preset_split_note(panel, dataset)
    changes["test_ratio"] = panel.slider("test", "Test share", 0.05, 0.95, current.test_ratio,
                                         0.05, help=_HELP["test"])
    changes["data_seed"] = panel.number("data_seed", "Data seed", 0, MAX_SEED, current.data_seed,
                                        help=_HELP["data_seed"])
    return _checked_here(panel, replace(current, **changes))


def _layer(panel: Panel, layer: int, current: TrainSettings) -> tuple[int, str]:
    width = current.hidden[layer] if layer < len(current.hidden) else \
        (current.hidden[-1] if current.hidden else 8)
    activation = current.activations[layer] if layer < len(current.activations) else \
        (current.activations[-1] if current.activations else "relu")
    left, right = panel.where.columns(2)
    width = panel.number("hidden", f"Units in layer {layer + 1}", 1, MAX_WIDTH, width,
                         key=f"hidden.{layer}", where=left)
    activation = panel.select_in(right, "act", f"Activation {layer + 1}", HIDDEN, activation,
                                 key=f"act.{layer}")
    return width, activation


def _architecture(panel: Panel, current: TrainSettings) -> tuple[tuple, tuple]:
    layers = panel.slider("hidden", "Hidden layers", 0, MAX_HIDDEN_LAYERS, len(current.hidden),
                          1)
    chosen = [_layer(panel, layer, current) for layer in range(layers)]
    return tuple(w for w, _ in chosen), tuple(a for _, a in chosen)


def _optimisation(panel: Panel, current: TrainSettings) -> dict:
    return {
        "init": panel.choice("init", "Initialiser", tuple(INITIALIZERS), current.init),
        "optimizer": panel.choice("opt", "Optimiser", tuple(OPTIMIZERS), current.optimizer),
        "learning_rate": panel.steps("lr", "Learning rate", LEARNING_RATES,
                                     current.learning_rate, fmt=_fmt_rate, help=_HELP["lr"]),
        "epochs": panel.slider("epochs", "Epochs", 1, MAX_EPOCHS, current.epochs, 1),
        "batch_size": panel.steps("batch", "Batch size", BATCH_SIZES, current.batch_size,
                                  fmt=_fmt_batch, help=_HELP["batch"]),
    }


def _regularisation(panel: Panel, current: TrainSettings) -> dict:
    return {
        "dropout": panel.slider("dropout", "Dropout", 0.0, 0.9, current.dropout, 0.05,
                                help=_HELP["dropout"]),
        "dropconnect": panel.slider("dropconnect", "DropConnect", 0.0, 0.9, current.dropconnect,
                                    0.05, help=_HELP["dropconnect"]),
        "dropconnect_rule": panel.choice("dc_rule", "DropConnect rule",
                                         tuple(DROPCONNECT_RULES), current.dropconnect_rule,
                                         help=_HELP["dc_rule"]),
        "l2": panel.steps("l2", "L2 penalty λ", L2_PENALTIES, current.l2, fmt=_fmt_rate,
                          help=_HELP["l2"]),
        "seed": panel.number("seed", "Seed", 0, MAX_SEED, current.seed, help=_HELP["seed"]),
    }


def _gradient_losses(loss: str, output: str) -> tuple[str, ...]:
    """The losses whose gradient a step may follow: the loss itself, or another loss that
    takes this output activation."""
    others = [other for other in LOSSES if other != loss and output in outputs_for(other)]
    return (SAME_LOSS, *others)


def train_controls(panel: Panel, current: TrainSettings, task: str) -> TrainSettings:
    """The network, loss, optimiser and regularisation controls for a ``task`` dataset.
    ``current`` must already suit the task (as a plan's ``train`` does,
    :class:`labapp.compute.run_plan.Plan`)."""
    panel.where.subheader("Network")
    hidden, activations = _architecture(panel, current)
    bias = panel.toggle("bias", "Biases", current.bias)
    loss = panel.choice("loss", "Loss", losses_for(task), current.loss)
    output = panel.choice("out", "Output activation", outputs_for(loss), current.output)
    gradient_loss = panel.choice("grad_loss", "Steps follow the gradient of",
                                 _gradient_losses(loss, output), current.gradient_loss,
                                 fmt=lambda name: "the loss itself" if name == SAME_LOSS else name,
                                 help=_HELP["grad_loss"])
    panel.where.subheader("Training")
    changes = dict(hidden=hidden, activations=activations, bias=bias, loss=loss, output=output,
                   gradient_loss=gradient_loss)
    changes |= _optimisation(panel, current) | _regularisation(panel, current)
    return _checked_here(panel, replace(current, **changes))
