"""The help text of the data and train controls, in one place: what each setting does and, for a
drop-down, what every one of its choices means.

:data:`SETTING_HELP` holds a sentence or two per setting, by URL key; :data:`CHOICE_MEANINGS`
holds, per drop-down (by URL key), one line for each choice. :func:`help_for` joins the two into
a widget's help (Markdown, written here, never from a link). ``tests/test_train_controls.py``
checks that every choice of every drop-down, as the settings' kinds list them, has a meaning.
"""
from __future__ import annotations

from nncore.config import DROPCONNECT_RULES

from .page_settings import AUTO_LOSS, SAME_LOSS

__all__ = ["SETTING_HELP", "CHOICE_MEANINGS", "help_for"]

_HIDDEN_ACTIVATIONS = {
    "relu": "max(z, 0): fast and the usual choice; a unit stuck below 0 stops learning",
    "leaky_relu": "z above 0, 0.01·z below: ReLU that never quite stops learning",
    "sigmoid": "1 / (1 + e^(−z)), between 0 and 1; saturates, so gradients vanish in deep nets",
    "tanh": "tanh z, between −1 and 1: a centred sigmoid",
    "identity": "z itself: a linear layer (stacked linear layers stay linear)",
}

_DATASETS = {
    "circle": "two classes: a disc inside a ring",
    "xor": "two classes in the four quadrants, like XOR: no straight line separates them",
    "blobs": "Gaussian clouds, one per class (set the number of classes)",
    "spiral": "interleaved spiral arms, one per class (set the number of classes)",
    "moons": "two interleaved half-moons",
    "plane": "regression: a noisy plane, y a linear function of x1 and x2",
    "multi_gaussian": "regression: a smooth bump made of Gaussians",
    "boston": "regression: house prices from 13 neighbourhood features",
    "diabetes": "regression: disease progression from 10 patient measurements",
    "iris": "3 kinds of iris from 4 flower measurements",
    "wine": "3 wine cultivars from 13 chemical measurements",
    "breast_cancer": "malignant or benign from 30 cell measurements",
    "digits": "the digits 0–9 from 8 × 8 pixel images",
    "seed_001": "seed post 001's data, split as the post splits it",
    "seed_002": "seed post 002's data, split as the post splits it",
    "seed_003": "seed post 003's data, split as the post splits it",
    "upload": "a CSV file of your own",
}

CHOICE_MEANINGS: dict[str, dict[str, str]] = {
    "data": _DATASETS,
    "features": {
        "x1": "the first coordinate", "x2": "the second coordinate",
        "x1^2": "x1 squared", "x2^2": "x2 squared", "x1*x2": "x1 times x2",
        "sin(x1)": "the sine of x1", "sin(x2)": "the sine of x2",
    },
    "scaler": {
        "standard": "(x − mean) / standard deviation: each column centred, of spread 1",
        "minmax": "each column mapped onto [0, 1]",
        "maxabs": "each column divided by its largest |x|, onto [−1, 1]",
        "none": "the columns as they are",
    },
    "task": {
        "auto": "classification for a text or few-valued whole-number target, else regression",
        "regression": "predict the target's value",
        "classification": "predict the target's class",
    },
    "missing": {
        "drop": "leave out every row with a missing value",
        "impute": "fill a missing value with its column's median (the most common text)",
    },
    "categorical": {
        "onehot": "one 0/1 column per value of a text column",
        "drop": "leave text columns out",
    },
    "act": _HIDDEN_ACTIVATIONS,
    "out": {
        **_HIDDEN_ACTIVATIONS,
        "sigmoid": "1 / (1 + e^(−z)): each output a probability between 0 and 1 (with bce)",
        "softmax": "e^(z_c) / Σ e^(z_k): the outputs are class probabilities summing to 1 "
                   "(with ce)",
        "identity": "z itself: any real number, the usual regression output",
    },
    "loss": {
        AUTO_LOSS: "the usual loss for the data: mse for regression, bce for two classes, "
                   "ce for more (with its usual output activation)",
        "mse": "mean squared error, (1/N) Σ ½‖y − t‖²",
        "sse": "sum of squared errors, ½ Σ ‖y − t‖²: like mse but not divided by N",
        "bce": "binary cross-entropy, −mean[t log y + (1 − t) log(1 − y)]: one sigmoid per "
               "class, each a yes/no question",
        "ce": "cross-entropy, −mean Σ t log y over softmax outputs: one answer among the "
              "classes",
    },
    "grad_loss": {
        SAME_LOSS: "the loss itself: ordinary gradient descent",
        "mse": "mean squared error's gradient, (y − t)/N times the output's slope",
        "sse": "squared error's gradient, (y − t) times the output's slope",
        "bce": "binary cross-entropy's gradient, (y − t)/N with a sigmoid output",
        "ce": "cross-entropy's gradient, (y − t)/N with a softmax output",
    },
    "init": {
        "glorot": "U(−a, a), a = √(6 / (fan_in + fan_out)); biases 0: for tanh and sigmoid",
        "he": "N(0, 2 / fan_in); biases 0: for ReLU",
        "uniform_pm1": "weights and biases U(−1, 1) (seed post 001)",
        "uniform01": "weights and biases U[0, 1) (seed post 003)",
        "normal": "weights and biases N(0, 0.1²) (seed post 002)",
    },
    "opt": {
        "sgd": "plain gradient descent: θ ← θ − η g",
        "momentum": "v ← μ v − η g, θ ← θ + v: steps keep some of their past direction",
        "nesterov": "momentum that looks ahead: θ ← θ + μ v − η g",
        "rmsprop": "each weight's step divided by a running root mean square of its gradients "
                   "(ρ sets how long it remembers)",
        "adam": "momentum (β₁) and RMSprop (β₂) together, bias-corrected: the usual default",
    },
    "schedule": {
        "constant": "η₀ in every epoch",
        "step": "η₀ · γ^⌊e / step⌋: multiplied by γ every `step` epochs",
        "exponential": "η₀ · γ^e: multiplied by γ every epoch",
        "inverse_time": "η₀ / (1 + decay · e): shrinks ever more slowly",
    },
    "dc_rule": dict(DROPCONNECT_RULES),
}
"""Per drop-down (URL key), every choice's meaning in one line."""

SETTING_HELP: dict[str, str] = {
    "data": "The data to learn from.",
    "features": "Features computed from the point (x1, x2), as in TensorFlow Playground.",
    "scaler": "Fitted on the training rows only, then applied to every row.",
    "scale_target": "Regression only: train on standardised targets, then map predictions "
                    "back to the original units.",
    "test": "The share of rows held out to measure how well the network generalises.",
    "data_seed": "Draws the synthetic points and the train/test split.",
    "task": "What the target column asks for.",
    "missing": "What to do with rows that have an empty cell.",
    "categorical": "What to do with columns that hold text.",
    "act": "The activation of this hidden layer.",
    "out": "The output layer's activation. With the loss on auto it is the loss's usual one; "
           "pick a loss to choose another.",
    "loss": "What training minimises.",
    "grad_loss": "The loss whose gradient each step descends. Another loss than the one shown: "
                 "the curve still shows the chosen loss, but each step follows the other "
                 "loss's gradient (seed post 003 records squared error while its output delta "
                 "a − y is cross-entropy's).",
    "init": "How the weights are drawn before training.",
    "opt": "How each step turns the gradient g into a change of the weights θ (η is the "
           "learning rate).",
    "momentum": "μ: the share of the last step kept in the next one (momentum and Nesterov).",
    "rho": "ρ: how long RMSprop's running mean of squared gradients remembers; 0.9 is about "
           "the last 10 steps.",
    "beta1": "β₁: how long Adam's running mean of gradients remembers (0.9: about 10 steps).",
    "beta2": "β₂: how long Adam's running mean of squared gradients remembers (0.999: about "
             "1,000 steps).",
    "lr": "The step size of gradient descent, on a log scale. Too large and the loss "
          "explodes; too small and it barely moves.",
    "schedule": "How the learning rate changes from epoch to epoch (e counts epochs from 0; "
                "η₀ is the learning rate above).",
    "lr_gamma": "γ: what the step and exponential schedules multiply the learning rate by.",
    "lr_step": "The step schedule multiplies the learning rate by γ every this many epochs.",
    "lr_decay": "The inverse-time schedule's rate: η₀ / (1 + decay · e).",
    "batch": "Rows per gradient step. Full batch uses every training row each step; small "
             "batches take noisier, more frequent steps.",
    "patience": "Early stopping: stop once the test loss (the training loss without test rows) "
                "has not improved for this many epochs, and restore the best weights. 0 "
                "trains every epoch.",
    "min_delta": "Early stopping counts a loss as improved only when it falls by more than "
                 "this.",
    "dropout": "Each hidden unit is zeroed with this probability during training (the rest are "
               "scaled up), which discourages units from relying on each other.",
    "dropconnect": "Each weight is zeroed with this probability during training and the rest "
                   "rescaled: dropout on connections instead of units.",
    "dc_rule": "How DropConnect drops weights.",
    "l2": "Adds (λ/2)·Σ‖W‖² to the loss, pulling weights towards zero.",
    "l1": "Adds λ₁·Σ|W| to the loss, pushing small weights to exactly zero.",
    "seed": "Draws the initial weights, the mini-batch order and the dropout masks.",
}
"""Per setting (URL key), what it does."""


def _choice_line(name: str, meaning: str) -> str:
    return f"- `{name}`: {meaning}"


def help_for(key: str, **extra_meanings: str) -> str:
    """The help of the control ``key``: what it does, then one line per choice (a drop-down's);
    ``extra_meanings`` add lines (what ``auto`` stands for on this data, say)."""
    meanings = {**CHOICE_MEANINGS.get(key, {}), **extra_meanings}
    lines = [_choice_line(name, meaning) for name, meaning in meanings.items()]
    return "\n\n".join([SETTING_HELP[key], "\n".join(lines)]) if lines else SETTING_HELP[key]

