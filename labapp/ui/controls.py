"""The data and train controls: widgets in, settings out.

:func:`data_controls` and :func:`train_controls` draw the controls for the current settings and
return new settings, checked against the server's caps
(:func:`labapp.settings.page_settings.checked`).
"""
from __future__ import annotations

from dataclasses import replace
from functools import partial

from nncore.activations import HIDDEN
from nncore.config import DROPCONNECT_RULES
from nncore.initializers import INITIALIZERS
from nncore.losses import LOSSES
from nncore.optimizers import OPTIMIZERS
from nncore.preprocessing import SCALERS
from nncore.schedules import SCHEDULES
from nncore.synthetic import ENGINEERED_FEATURES, GENERATORS

from ..compute.tasks import losses_for, outputs_for
from ..data.decoding import MAX_MEGABYTES
from ..server.limits import (MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_SAMPLES, MAX_SEED, MAX_WIDTH,
                             MIN_SAMPLES)
from ..settings.choice_help import help_for
from ..settings.dataset_names import (DATASETS, PRESET_SETS, SETS_WITH_CLASSES, UPLOAD,
                                      describe_dataset)
from ..settings.page_settings import (AUTO_LOSS, CSV_TASKS, SAME_LOSS, DataSettings,
                                      TrainSettings, checked, settings_fields)
from ..views.plain_text import plain
from . import session
from .widgets import Panel

__all__ = ["data_controls", "split_controls", "train_controls", "LEARNING_RATES", "BATCH_SIZES",
           "L2_PENALTIES", "MOMENTA", "BETA2S", "GAMMAS", "DECAYS", "MIN_DELTAS"]

#: The learning-rate slider's steps: 1 and 3 per decade, from 1e-6 to 10.
LEARNING_RATES = [m * 10.0 ** e for e in range(-6, 1) for m in (1, 3)] + [10.0]
#: Batch sizes offered (0 is the full batch).
BATCH_SIZES = [0] + [2 ** k for k in range(11)]
#: The L1 and L2 penalties offered.
L2_PENALTIES = [0.0] + [m * 10.0 ** e for e in range(-5, 0) for m in (1, 3)] + [1.0]
#: Momentum μ, RMSprop's ρ and Adam's β₁ offered; Adam's β₂.
MOMENTA = [0.0, 0.5, 0.8, 0.9, 0.95, 0.99]
BETA2S = [0.0, 0.9, 0.99, 0.995, 0.999, 0.9999]
#: The step and exponential schedules' factor γ, the inverse-time decay, early stopping's
#: smallest improvement.
GAMMAS = [0.01, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 1.0]
DECAYS = [0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
MIN_DELTAS = [0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0]
#: The optimisers that use each constant.
_USERS = {"momentum": ("momentum", "nesterov"), "rho": ("rmsprop",), "beta": ("adam",)}


def _fmt_rate(value: float) -> str:
    return f"{value:g}"


def _fmt_batch(value: int) -> str:
    return "full batch" if value == 0 else str(value)


def _dataset_choice(panel: Panel, current: DataSettings) -> str:
    return panel.choice("data", "Dataset", DATASETS, current.dataset, fmt=describe_dataset,
                        help=help_for("data"))


def _split(panel: Panel, current: DataSettings, dataset: str) -> dict:
    """The test share and the data seed: greyed out, with a note, for a seed post's data,
    which comes split and changes with neither."""
    preset = dataset in PRESET_SETS
    if preset:
        panel.where.caption("This data comes split as its seed post splits it, so the test "
                            "share and data seed do not change it.")
    return {"test_ratio": panel.slider("test", "Test share", 0.05, 0.95, current.test_ratio, 0.05,
                                       help=help_for("test"), disabled=preset),
            "data_seed": panel.number("data_seed", "Data seed", 0, MAX_SEED, current.data_seed,
                                      help=help_for("data_seed"), disabled=preset)}


def split_controls(panel: Panel, current: DataSettings) -> DataSettings:
    """The dataset choice, the test share and the data seed (the train page's data controls)."""
    dataset = _dataset_choice(panel, current)
    changes = {"dataset": dataset} | _split(panel, current, dataset)
    return _checked_here(panel, replace(current, **changes))


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
                                  current.features, help=help_for("features")),
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
        "csv_task": panel.choice("task", "Task", CSV_TASKS, current.csv_task,
                                 help=help_for("task")),
        "csv_missing": panel.choice("missing", "Rows with missing values", _options("missing"),
                                    current.csv_missing, help=help_for("missing")),
        "csv_categorical": panel.choice("categorical", "Text columns", _options("categorical"),
                                        current.csv_categorical, help=help_for("categorical")),
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
                                     help=help_for("scaler"))
    changes["scale_target"] = panel.toggle("scale_target", "Standardise a regression target",
                                           current.scale_target, help=help_for("scale_target"))
    changes |= _split(panel, current, dataset)
    return _checked_here(panel, replace(current, **changes))


def _options(key: str) -> tuple[str, ...]:
    """The choices of the data drop-down ``key``, as its setting's kind lists them."""
    return next(spec.kind.options for name, spec in settings_fields(DataSettings)
                if spec.key == key)


def _layer(panel: Panel, layer: int, current: TrainSettings) -> tuple[int, str]:
    width = current.hidden[layer] if layer < len(current.hidden) else \
        (current.hidden[-1] if current.hidden else 8)
    activation = current.activations[layer] if layer < len(current.activations) else \
        (current.activations[-1] if current.activations else "relu")
    left, right = panel.where.columns(2)
    width = panel.number("hidden", f"Units in layer {layer + 1}", 1, MAX_WIDTH, width,
                         key=f"hidden.{layer}", where=left)
    activation = panel.select_in(right, "act", f"Activation {layer + 1}", HIDDEN, activation,
                                 key=f"act.{layer}", help=help_for("act"))
    return width, activation


def _architecture(panel: Panel, current: TrainSettings) -> tuple[tuple, tuple]:
    layers = panel.slider("hidden", "Hidden layers", 0, MAX_HIDDEN_LAYERS, len(current.hidden),
                          1)
    chosen = [_layer(panel, layer, current) for layer in range(layers)]
    return tuple(w for w, _ in chosen), tuple(a for _, a in chosen)


def _loss_label(usual: str, name: str) -> str:
    return f"auto ({usual} for this data)" if name == AUTO_LOSS else name


def _gradient_losses(loss: str, output: str) -> tuple[str, ...]:
    """The losses whose gradient a step may follow: the loss itself, or another loss that
    takes this output activation."""
    others = [other for other in LOSSES if other != loss and output in outputs_for(other)]
    return (SAME_LOSS, *others)


def _loss_and_output(panel: Panel, current: TrainSettings, task: str) -> dict:
    """The loss (``auto``: the usual one for the data, with its usual output, the only one
    offered), the output activation and the loss whose gradient the steps follow."""
    usual = current.usual_loss or losses_for(task)[0]
    loss = panel.choice("loss", "Loss", (AUTO_LOSS, *losses_for(task)), current.loss,
                        fmt=partial(_loss_label, usual), help=help_for("loss"))
    in_use = usual if loss == AUTO_LOSS else loss
    outputs = outputs_for(in_use)[:1] if loss == AUTO_LOSS else outputs_for(in_use)
    output = panel.choice("out", "Output activation", outputs, current.output,
                          help=help_for("out"))
    gradient_loss = panel.choice("grad_loss", "Steps follow the gradient of",
                                 _gradient_losses(in_use, output), current.gradient_loss,
                                 fmt=lambda name: "the loss itself" if name == SAME_LOSS else name,
                                 help=help_for("grad_loss"))
    return {"loss": loss, "output": output, "gradient_loss": gradient_loss}


def _optimiser(panel: Panel, current: TrainSettings) -> dict:
    """The initialiser, the optimiser and the constants of the chosen optimiser (only those)."""
    changes = {"init": panel.choice("init", "Initialiser", tuple(INITIALIZERS), current.init,
                                    help=help_for("init"))}
    optimizer = changes["optimizer"] = panel.choice("opt", "Optimiser", tuple(OPTIMIZERS),
                                                    current.optimizer, help=help_for("opt"))
    if optimizer in _USERS["momentum"]:
        changes["momentum"] = panel.steps("momentum", "Momentum μ", MOMENTA, current.momentum,
                                          help=help_for("momentum"))
    if optimizer in _USERS["rho"]:
        changes["rho"] = panel.steps("rho", "RMSprop's ρ", MOMENTA, current.rho,
                                     help=help_for("rho"))
    if optimizer in _USERS["beta"]:
        changes["beta1"] = panel.steps("beta1", "Adam's β₁", MOMENTA, current.beta1,
                                       help=help_for("beta1"))
        changes["beta2"] = panel.steps("beta2", "Adam's β₂", BETA2S, current.beta2,
                                       help=help_for("beta2"))
    return changes


def _schedule(panel: Panel, current: TrainSettings) -> dict:
    """The learning rate, its schedule and the schedule's own settings (only those it uses)."""
    changes = {"learning_rate": panel.steps("lr", "Learning rate", LEARNING_RATES,
                                            current.learning_rate, fmt=_fmt_rate,
                                            help=help_for("lr"))}
    schedule = changes["schedule"] = panel.choice("schedule", "Learning-rate schedule",
                                                  SCHEDULES, current.schedule,
                                                  help=help_for("schedule"))
    if schedule in ("step", "exponential"):
        changes["lr_gamma"] = panel.steps("lr_gamma", "Factor γ", GAMMAS, current.lr_gamma,
                                          help=help_for("lr_gamma"))
    if schedule == "step":
        changes["lr_step"] = panel.number("lr_step", "Epochs between cuts", 1, MAX_EPOCHS,
                                          current.lr_step, help=help_for("lr_step"))
    if schedule == "inverse_time":
        changes["lr_decay"] = panel.steps("lr_decay", "Decay", DECAYS, current.lr_decay,
                                          fmt=_fmt_rate, help=help_for("lr_decay"))
    return changes


def _length(panel: Panel, current: TrainSettings) -> dict:
    """Epochs, batch size and early stopping (its smallest improvement only when it is on)."""
    changes = {
        "epochs": panel.slider("epochs", "Epochs", 1, MAX_EPOCHS, current.epochs, 1),
        "batch_size": panel.steps("batch", "Batch size", BATCH_SIZES, current.batch_size,
                                  fmt=_fmt_batch, help=help_for("batch")),
        "patience": panel.number("patience", "Early-stopping patience (epochs, 0: off)", 0,
                                 MAX_EPOCHS, current.patience, help=help_for("patience")),
    }
    if changes["patience"] > 0:
        changes["min_delta"] = panel.steps("min_delta", "Smallest improvement", MIN_DELTAS,
                                           current.min_delta, fmt=_fmt_rate,
                                           help=help_for("min_delta"))
    return changes


def _regularisation(panel: Panel, current: TrainSettings) -> dict:
    return {
        "dropout": panel.slider("dropout", "Dropout", 0.0, 0.9, current.dropout, 0.05,
                                help=help_for("dropout")),
        "dropconnect": panel.slider("dropconnect", "DropConnect", 0.0, 0.9, current.dropconnect,
                                    0.05, help=help_for("dropconnect")),
        "dropconnect_rule": panel.choice("dc_rule", "DropConnect rule",
                                         tuple(DROPCONNECT_RULES), current.dropconnect_rule,
                                         help=help_for("dc_rule")),
        "l2": panel.steps("l2", "L2 penalty λ", L2_PENALTIES, current.l2, fmt=_fmt_rate,
                          help=help_for("l2")),
        "l1": panel.steps("l1", "L1 penalty λ₁", L2_PENALTIES, current.l1, fmt=_fmt_rate,
                          help=help_for("l1")),
        "seed": panel.number("seed", "Seed", 0, MAX_SEED, current.seed, help=help_for("seed")),
    }


def train_controls(panel: Panel, current: TrainSettings, task: str) -> TrainSettings:
    """The network, loss, optimiser, schedule, stopping and regularisation controls for a
    ``task`` dataset. ``current`` must already suit the task (as a plan's ``train`` does,
    :class:`labapp.compute.run_plan.Plan`); a setting the current choices do not use (Adam's β
    under plain gradient descent, say) is not drawn and keeps its value."""
    panel.where.subheader("Network")
    hidden, activations = _architecture(panel, current)
    changes = dict(hidden=hidden, activations=activations,
                   bias=panel.toggle("bias", "Biases", current.bias))
    changes |= _loss_and_output(panel, current, task)
    panel.where.subheader("Training")
    changes |= _optimiser(panel, current) | _schedule(panel, current) | \
        _length(panel, current) | _regularisation(panel, current)
    return _checked_here(panel, replace(current, **changes))
