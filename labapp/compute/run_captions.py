"""Plain-language captions that explain why a run's curves look the way they do."""
from __future__ import annotations

import numpy as np

from nncore import TrainResult

__all__ = ["loss_caption", "gradient_caption", "dead_caption", "gradcheck_caption",
           "stall_warning", "step_rule_caption"]


def _overfitting(train: np.ndarray, test: np.ndarray) -> str | None:
    best = int(np.nanargmin(test))
    if best < 0.8 * (len(test) - 1) and test[-1] > 1.1 * test[best] and train[-1] < train[best]:
        return (f"The test loss was lowest at epoch {best + 1} and rose afterwards while the "
                "training loss kept falling: the network began memorising the training rows "
                "(overfitting). Fewer epochs, dropout or an L2 penalty would help.")
    return None


def _rose(train: np.ndarray) -> bool:
    """The training loss ended clearly above where it began (without diverging)."""
    return bool(train[-1] > 1.1 * train[0])


_OVERSHOOT = ("each step overshoots the minimum and lands higher up the other side. The learning "
              "rate is probably too large for this optimiser; try a smaller one")


def _trend(train: np.ndarray, test: np.ndarray) -> str:
    if _rose(train):
        return (f"The training loss ended higher than it began ({train[0]:.3g} → {train[-1]:.3g}) "
                f"without blowing up: {_OVERSHOOT}.")
    if train[-1] > 0.9 * train[0]:
        return ("The loss barely moved. The learning rate may be too small, or the units may be "
                "saturated (a sigmoid or tanh far from 0 passes almost no gradient).")
    if np.isfinite(test).any() and test[-1] > 1.5 * train[-1]:
        return (f"Both losses fell, but the test loss ends {test[-1] / train[-1]:.1f} times "
                "the training loss: part of what was learned does not carry over to new rows.")
    return (f"The training loss fell from {train[0]:.3g} to {train[-1]:.3g}"
            + (f" and the test loss from {test[0]:.3g} to {test[-1]:.3g}: what the network "
               "learned holds on rows it never trained on." if np.isfinite(test).any() else "."))


def stall_warning(result: TrainResult, hidden: tuple[int, ...]) -> str | None:
    """A warning when training ended where it began (the loss fell by less than 1%), with the
    likeliest causes this network shows, or clearly higher (a learning rate too large);
    ``None`` when it learned something."""
    train = result.history.train_loss
    if result.diverged or len(train) < 2 or not train[-1] > 0.99 * train[0]:
        return None
    if _rose(train):
        return (f"**The loss went up**: the training loss went from {train[0]:.4g} to "
                f"{train[-1]:.4g}, so {_OVERSHOOT}.")
    causes = []
    if hidden and min(hidden) == 1:
        narrow = sum(width == 1 for width in hidden)
        causes.append(f"{narrow} hidden layer{'s' if narrow > 1 else ''} of a single unit squeeze"
                      f"{'' if narrow > 1 else 's'} everything through one number, and the "
                      "gradient shrinks at every such layer on its way back")
    dead = result.history.dead_fraction[-1] if result.history.dead_fraction.size else []
    if np.any(np.asarray(dead) == 1):
        causes.append("a whole ReLU layer outputs 0 for every row, so no gradient gets through")
    causes.append("the learning rate may be too small, or the units saturated")
    return (f"**The network learned almost nothing**: the training loss went from {train[0]:.4g} "
            f"to {train[-1]:.4g}. Likely causes: " + "; ".join(causes) + ". Try wider layers, "
            "fewer of them, or a larger learning rate.")


def loss_caption(result: TrainResult, batch_size: int | None, dropout: bool) -> str:
    """Why the loss curves look as they do."""
    if result.diverged:
        return (f"The loss blew up at epoch {result.diverged_epoch}: each step overshot the "
                "minimum and landed higher up the other side, so the next step was larger still.")
    train, test = result.history.train_loss, result.history.test_loss
    if len(train) < 2:
        return "One epoch gives one point per curve; train for more epochs to see a trend."
    finite_test = np.isfinite(test).any()
    parts = [(_overfitting(train, test) if finite_test else None) or _trend(train, test)]
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


def gradient_caption(grad_norm: np.ndarray) -> str:
    """What the per-layer gradient norms say (vanishing or exploding gradients)."""
    last = grad_norm[-1]
    if grad_norm.shape[1] < 2 or not np.isfinite(last).all() or last.max() == 0:
        return "Each line is ‖∂L/∂W‖ of one layer: how hard the loss pulls on its weights."
    if last[0] == 0:
        return ("At the end, layer 1's gradient is exactly 0: no error signal reaches it (its "
                "units are dead or saturated for every row), so it has stopped learning.")
    ratio = last[0] / last[-1] if last[-1] > 0 else np.inf
    if ratio < 1e-2:
        return (f"At the end, layer 1's gradient is {1 / ratio:.0f} times smaller than the output "
                "layer's: the gradient vanishes on its way back through the layers, so the first "
                "layers learn slowest.")
    if ratio > 1e2:
        return (f"At the end, layer 1's gradient is {ratio:.0f} times larger than the output "
                "layer's: gradients grow on their way back (exploding gradients).")
    return ("Each line is ‖∂L/∂W‖ of one layer. They shrink as the network nears a minimum, "
            "where the loss surface flattens.")


def dead_caption(dead_fraction: np.ndarray) -> str:
    """What the dead-ReLU fractions say."""
    final = dead_fraction[-1]
    worst = int(np.nanargmax(final)) if np.isfinite(final).any() else None
    if worst is not None and final[worst] >= 0.5:
        return (f"{final[worst]:.0%} of layer {worst + 1}'s ReLU units output 0 for every "
                "training row: they pass no gradient and have stopped learning (dead units). A "
                "smaller learning rate, He initialisation or leaky ReLU helps.")
    return ("A ReLU unit is dead when it outputs 0 for every training row: its gradient is 0, "
            "so it can never recover. Few dead units here.")


def gradcheck_caption(errors: dict[str, float]) -> str:
    """Whether backprop agrees with finite differences."""
    worst = max(errors.values()) if errors else 0.0
    if worst < 1e-5:
        return (f"Every relative error is below 1e-5 (the worst is {worst:.1e}): backprop's "
                "gradients agree with finite differences.")
    return (f"The worst relative error is {worst:.1e}. Near a ReLU kink (a pre-activation close "
            "to 0) the finite difference straddles the kink and the check is unreliable; "
            "otherwise an error this large means a wrong gradient.")
