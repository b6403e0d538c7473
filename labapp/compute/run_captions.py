"""Plain-language captions that explain why a run's curves look the way they do.

Every number a caption quotes is one the page shows: a point of a plotted curve (named by its
epoch) or a metric card (named as the card), written as the cards write it
(:func:`~labapp.compute.run_report.shown_number`). The curves record each epoch as it trained;
the cards measure the trained weights after the last step, so the two may differ, and a caption
that quotes both says which is which.
"""
from __future__ import annotations

import numpy as np

from nncore import TrainResult

from .run_report import shown_number

__all__ = ["loss_caption", "gradient_caption", "dead_caption", "gradcheck_caption",
           "stall_warning", "step_rule_caption", "metric_caption", "cards_caption",
           "outcome_message", "post_comparison", "LARGE_RATE"]

#: A learning rate this large is never called "too small", whatever the curve does.
LARGE_RATE = 1.0
#: The loss "jumped" when some epoch's loss rose above this multiple of the first epoch's.
_JUMP = 1.5
_OVERSHOOT = ("each step overshoots the minimum and lands higher up the other side. The learning "
              "rate is probably too large for this optimiser; try a smaller one")
_SATURATED = "a sigmoid or tanh far from 0 passes almost no gradient"


def _path(curve: np.ndarray, card: float, side: str) -> str:
    """"from A (epoch 1) to B (epoch E)" of a plotted loss ``curve``, and, when it reads
    otherwise than the last point, the card's value ``card`` of the trained weights."""
    text = (f"from {shown_number(curve[0])} (epoch 1) to {shown_number(curve[-1])} "
            f"(epoch {len(curve)})")
    if shown_number(card) != shown_number(curve[-1]):
        text += (f" (the {side.capitalize()} loss card, {shown_number(card)}, measures the "
                 "trained weights after the last step)")
    return text


def _jump(train: np.ndarray) -> tuple[int, float] | None:
    """``(epoch, loss)`` of the highest point of a curve that rose well above its start."""
    top = int(np.nanargmax(train))
    return (top + 1, float(train[top])) if train[top] > _JUMP * train[0] else None


def _rose(train: np.ndarray) -> bool:
    """The training loss ended clearly above where it began (without diverging)."""
    return bool(train[-1] > 1.1 * train[0])


def _overfitting(train: np.ndarray, test: np.ndarray) -> str | None:
    best = int(np.nanargmin(test))
    if best < 0.8 * (len(test) - 1) and test[-1] > 1.1 * test[best] and train[-1] < train[best]:
        return (f"The test loss was lowest at epoch {best + 1} ({shown_number(test[best])}) and "
                f"rose afterwards to {shown_number(test[-1])} while the training loss kept "
                "falling: the network began memorising the training rows (overfitting). Fewer "
                "epochs, dropout or an L2 penalty would help.")
    return None


def _flat_causes(learning_rate: float | None) -> str:
    if learning_rate is not None and learning_rate >= LARGE_RATE:
        return (f"At learning rate {learning_rate:g} the steps are not small: the units are more "
                f"likely saturated ({_SATURATED}) or dead (a ReLU that outputs 0 for every row).")
    return f"The learning rate may be too small, or the units may be saturated ({_SATURATED})."


def _trend(result: TrainResult, learning_rate: float | None) -> str:
    history = result.history
    train, test = history.train_loss, history.test_loss
    path = _path(train, result.final_train_loss, "training")
    jump = _jump(train)
    if _rose(train):
        return (f"The training loss ended higher than it began: it went {path}. It did not "
                f"blow up, but {_OVERSHOOT}.")
    if train[-1] > 0.9 * train[0]:
        if jump:
            return (f"The loss barely moved overall (it went {path}), but it jumped to "
                    f"{shown_number(jump[1])} at epoch {jump[0]}: {_OVERSHOOT}.")
        return f"The loss barely moved: it went {path}. {_flat_causes(learning_rate)}"
    tested = bool(np.isfinite(test).any())
    if tested and test[-1] < test[0] and test[-1] > 1.5 * train[-1]:
        return (f"Both losses fell, but the test loss ends (epoch {len(test)}) "
                f"{test[-1] / train[-1]:.1f} times the training loss: part of what was learned "
                "does not carry over to new rows.")
    text = f"The training loss fell {path}."
    test_path = _path(test, result.final_test_loss, "test") if tested else ""
    if tested and test[-1] < test[0]:
        text += (f" The test loss fell too, {test_path}: what the network learned holds on "
                 "rows it never trained on.")
    elif tested:
        text += (f" The test loss did not fall: it went {test_path}, so what was learned does "
                 "not carry over to new rows.")
    return text


def stall_warning(result: TrainResult, hidden: tuple[int, ...],
                  learning_rate: float | None = None) -> str | None:
    """A warning when training ended where it began (the loss fell by less than 1%), with the
    likeliest causes this network shows, or clearly higher (a learning rate too large);
    ``None`` when it learned something."""
    train = result.history.train_loss
    if result.diverged or len(train) < 2 or not train[-1] > 0.99 * train[0]:
        return None
    path = _path(train, result.final_train_loss, "training")
    if _rose(train):
        return f"**The loss went up**: the training loss went {path}, so {_OVERSHOOT}."
    causes = []
    if hidden and min(hidden) == 1:
        narrow = sum(width == 1 for width in hidden)
        causes.append(f"{narrow} hidden layer{'s' if narrow > 1 else ''} of a single unit squeeze"
                      f"{'' if narrow > 1 else 's'} everything through one number, and the "
                      "gradient shrinks at every such layer on its way back")
    dead = result.history.dead_fraction[-1] if result.history.dead_fraction.size else []
    if np.any(np.asarray(dead) == 1):
        causes.append("a whole ReLU layer outputs 0 for every row, so no gradient gets through")
    jump = _jump(train)
    if jump or (learning_rate is not None and learning_rate >= LARGE_RATE):
        rate = f" ({learning_rate:g})" if learning_rate is not None else ""
        seen = f"the loss jumped to {shown_number(jump[1])} at epoch {jump[0]}, and " if jump \
            else ""
        causes.append(f"the learning rate{rate} is too large: {seen}large steps push units into "
                      "saturation or switch ReLU units off for good")
        advice = "Try a smaller learning rate."
    else:
        causes.append("the learning rate may be too small, or the units saturated")
        advice = "Try wider layers, fewer of them, or a larger learning rate."
    return (f"**The network learned almost nothing**: the training loss went {path}. Likely "
            "causes: "
            + "; ".join(causes) + f". {advice}")


def loss_caption(result: TrainResult, batch_size: int | None, dropout: bool,
                 learning_rate: float | None = None) -> str:
    """Why the loss curves look as they do."""
    if result.diverged:
        return (f"The loss blew up at epoch {result.diverged_epoch}: each step overshot the "
                "minimum and landed higher up the other side, so the next step was larger still.")
    train, test = result.history.train_loss, result.history.test_loss
    if len(train) < 2:
        return "One epoch gives one point per curve; train for more epochs to see a trend."
    finite_test = np.isfinite(test).any()
    parts = [(_overfitting(train, test) if finite_test else None)
             or _trend(result, learning_rate)]
    if batch_size:
        parts.append("Mini-batches make the training curve jagged: each step sees only part of "
                     "the data, and the curve is the mean over the epoch's steps.")
    if dropout:
        parts.append("With dropout the training loss is measured on the thinned network, so it "
                     "can sit above the test loss, which uses every unit.")
    return " ".join(parts)


def step_rule_caption(config) -> str | None:
    """What a run's steps do differently from descending its loss with standard DropConnect
    (a seed post's rules, :class:`nncore.TrainConfig`), or None."""
    parts = []
    if config.gradient_loss not in (None, config.loss):
        parts.append(f"The curve is the {config.loss} loss, but every step follows the gradient "
                     f"of the {config.gradient_loss} loss: its output delta is "
                     f"{_DELTAS.get(config.gradient_loss, 'that loss’s own')}, so the curve "
                     f"need not fall at every step.")
    if config.dropconnect and config.dropconnect_rule == "post":
        parts.append(f"DropConnect follows seed post 001: each step drops exactly "
                     f"⌊{config.dropconnect:g} × size⌋ weights of every matrix, keeps the others "
                     "unscaled, and sends the error back through the unmasked weights; the "
                     "training curve is measured on the masked network.")
    return " ".join(parts) or None


_DELTAS = {"bce": "(a − y)/N (the sigmoid's slope cancels)",
           "ce": "(a − y)/N (the softmax's Jacobian cancels)",
           "mse": "(a − y)/N times the output's slope", "sse": "(a − y) times the output's slope"}


def metric_name(engine_name: str) -> str:
    """The engine's metric name as the page writes it (``r2`` → ``R²``)."""
    return "R²" if engine_name == "r2" else engine_name


def metric_caption(engine_name: str, card_name: str) -> str:
    """What the metric curves hold, and how they relate to the cards."""
    curve = metric_name(engine_name)
    text = (f"{curve} per epoch, as the engine records it while training (R² for the mse and "
            "sse losses, accuracy otherwise); the cards measure the trained weights after the "
            "last step, so the curves' last points may differ from them.")
    if curve != card_name:
        text += (f" This run's loss makes the curves {curve}, while the cards show {card_name}, "
                 "the measure of this task.")
    return text


def cards_caption(loss: str, has_test: bool, cards: dict[str, str]) -> str:
    """What the metric cards measure, and what a dash in them means (only when one shows)."""
    text = (f"Measured on the trained weights after the last step, with every unit on (no "
            f"dropout). The loss is {loss}.")
    if "—" in cards.values():
        text += (" — means there are no test rows." if not has_test else
                 " — means the value is not a finite number: the network's outputs overflowed.")
    return text


def outcome_message(result: TrainResult) -> str:
    """The engine's sentence about how the run ended, plus where the curves stop if it
    diverged (the engine's sentence already says that it diverged)."""
    if result.diverged:
        return f"{result.message} The curves below show the epochs before it blew up."
    return result.message


def _per_layer(values, layers) -> str:
    return ", ".join(f"layer {n}: {v:.3g}" for n, v in zip(layers, values))


def gradient_caption(grad_norm: np.ndarray) -> str:
    """What the per-layer gradient norms (the plotted ``(E, L)`` array) say: vanishing or
    exploding gradients, a layer that gets none, or how they changed since epoch 1."""
    first, last = grad_norm[0], grad_norm[-1]
    layers = range(1, grad_norm.shape[1] + 1)
    if not np.isfinite(last).all():
        return ("Each line is ‖∂L/∂W‖ of one layer: how hard the loss pulls on its weights. The "
                "last epoch's gradients are not finite numbers (they overflowed).")
    if (last == 0).all():
        return ("At the end every layer's gradient is exactly 0: no error signal reaches any "
                "weight (the units of a layer are dead or saturated for every row), so the "
                "weights have stopped learning.")
    if len(last) >= 2 and last[0] == 0:
        return ("At the end, layer 1's gradient is exactly 0: no error signal reaches it (its "
                "units are dead or saturated for every row), so it has stopped learning.")
    ratio = last[0] / last[-1] if last[-1] > 0 else np.inf
    ends = f"({_per_layer(last, layers)})"
    if len(last) >= 2 and ratio < 1e-2:
        return (f"At the end, layer 1's gradient is {1 / ratio:.2g} times smaller than the "
                f"output layer's {ends}: the gradient vanishes on its way back through the "
                "layers, so the first layers learn slowest.")
    if len(last) >= 2 and ratio > 1e2:
        return (f"At the end, layer 1's gradient is {ratio:.2g} times larger than the output "
                f"layer's {ends}: gradients grow on their way back (exploding gradients).")
    if len(grad_norm) < 2:
        return f"Each line is ‖∂L/∂W‖ of one layer: how hard the loss pulls on its weights {ends}."
    fell = last < first
    change = ", ".join(f"layer {n}: {a:.3g} → {b:.3g}" for n, a, b in zip(layers, first, last))
    if fell.all():
        return (f"Each line is ‖∂L/∂W‖ of one layer. Every layer's gradient shrank from epoch 1 "
                f"to epoch {len(grad_norm)} ({change}): the loss surface flattens as the "
                "network nears a minimum.")
    if not fell.any():
        return (f"Each line is ‖∂L/∂W‖ of one layer. Every layer's gradient grew from epoch 1 "
                f"to epoch {len(grad_norm)} ({change}): the network has not settled into a "
                "minimum.")
    return (f"Each line is ‖∂L/∂W‖ of one layer. From epoch 1 to epoch {len(grad_norm)} some "
            f"gradients shrank and some grew ({change}).")


def dead_caption(dead_fraction: np.ndarray, layers=None) -> str:
    """What the plotted dead-ReLU shares ``(E, H)`` say; ``layers`` are the hidden layers'
    numbers (1, 2, … by default), as the chart names them."""
    layers = list(layers) if layers is not None else list(range(1, dead_fraction.shape[1] + 1))
    final = dead_fraction[-1]
    meaning = ("A dead ReLU unit outputs 0 for every training row: its gradient is 0, so it "
               "cannot recover.")
    if not np.isfinite(dead_fraction).any():
        return f"{meaning} No share was recorded."
    peaks = np.nanmax(dead_fraction, axis=0)
    if not np.nanmax(peaks) > 0:
        return f"{meaning} No unit was dead at any epoch."
    ends = ", ".join(f"{share:.0%} in hidden layer {n}" for n, share in zip(layers, final))
    text = f"{meaning} At the end (epoch {len(dead_fraction)}) the dead share is {ends}."
    higher = [(n, share, int(np.nanargmax(column)) + 1) for n, share, column, end
              in zip(layers, peaks, dead_fraction.T, final) if share > end]
    if higher:
        text += " It was higher during training: " + ", ".join(
            f"{share:.0%} in hidden layer {n} at epoch {epoch}" for n, share, epoch in higher) + "."
    if np.nanmax(final) >= 0.5:
        text += (" Half or more of a layer has stopped learning: a smaller learning rate, He "
                 "initialisation or leaky ReLU helps.")
    return text


def gradcheck_caption(errors: dict[str, float]) -> str:
    """Whether backprop agrees with finite differences."""
    worst = max(errors.values()) if errors else 0.0
    if worst < 1e-5:
        return (f"Every relative error is below 1e-5 (the worst is {worst:.1e}): backprop's "
                "gradients agree with finite differences.")
    return (f"The worst relative error is {worst:.1e}. Near a ReLU kink (a pre-activation close "
            "to 0) the finite difference straddles the kink and the check is unreliable; "
            "otherwise an error this large means a wrong gradient.")


def post_comparison(claim, cards: dict[str, str], differences: list[str]) -> str:
    """One line setting a seed preset's run beside what its post reports (``claim``, a
    :class:`~labapp.settings.seed_presets.PostReport`); ``differences`` are the settings in
    which the run departs from the post's (empty for the post's own run)."""
    if claim.number is None:
        said = f"The post reports no {claim.measure}: it shows {claim.describes}"
    else:
        said = f"The post reports a {claim.measure} of {claim.number:g} ({claim.describes})"
    run = "; ".join(f"{label} {value}" for label, value in cards.items() if value != "—")
    if any("R²" in label and value.startswith("-") for label, value in cards.items()):
        run += " (an R² below 0 predicts worse than always answering the mean target)"
    if differences:
        return (f"{said}. This run changed the post's settings ({', '.join(differences)}), so "
                f"it is not the post's run: {run}.")
    return f"{said}. This run, with the post's data and settings: {run}."
