r"""The forward and backward equations of one network, with its actual matrix shapes, in LaTeX.

Rows are samples (the row-batch convention of :mod:`nncore`): for layer ``l`` with ``n_{l-1}``
inputs and ``n_l`` units,

    forward   Z_l = A_{l-1} W_l + b_l : (N, n_{l-1})·(n_{l-1}, n_l) → (N, n_l),   A_l = f_l(Z_l)
    backward  ∂L/∂W_l = A_{l-1}ᵀ δ_l : (n_{l-1}, N)·(N, n_l),   ∂L/∂b_l = Σ_rows δ_l : (n_l)
              δ_{l-1} = (δ_l W_lᵀ) ⊙ f'_{l-1}(Z_{l-1}) : (N, n_l)·(n_l, n_{l-1})

with ``A_0 = X_0`` the scaled inputs and ``δ_l = ∂L/∂Z_l``. :func:`update_latex` gives the step
that follows: the optimiser's update of the parameters θ from their gradient g, with the
learning rate of epoch e as the schedule sets it.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NetworkShape", "forward_latex", "backward_latex", "loss_latex", "parameter_rows",
           "update_latex"]

_LOSSES = {
    "mse": r"L = \frac{1}{N}\sum_{i=1}^{N} \tfrac12 \lVert y_i - t_i \rVert^2",
    "sse": r"L = \tfrac12 \sum_{i=1}^{N} \lVert y_i - t_i \rVert^2",
    "bce": r"L = -\frac{1}{N}\sum_{i} \big[t_i \log y_i + (1 - t_i)\log(1 - y_i)\big]",
    "ce": r"L = -\frac{1}{N}\sum_{i}\sum_{c} t_{ic} \log y_{ic}",
}
_OUTPUT_ERROR = {
    "mse": r"\frac{1}{N}(Y - T) \odot f_{L}'(Z_{L})",
    "sse": r"(Y - T) \odot f_{L}'(Z_{L})",
    "bce": r"\frac{1}{N}(Y - T)",
    "ce": r"\frac{1}{N}(Y - T)",
}


@dataclass(frozen=True)
class NetworkShape:
    """What the equations need: ``sizes`` ``(D, n_1, …, C)``, hidden ``activations``, the
    ``output`` activation, one ``bias`` flag per layer, the ``loss`` and the rows per step."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    output: str
    bias: tuple[bool, ...]
    loss: str
    rows: int

    @classmethod
    def from_network(cls, network: dict, loss: str, rows: int) -> "NetworkShape":
        """From ``MLP`` keyword arguments (as in :class:`labapp.compute.run_plan.Plan`)."""
        layers = len(network["sizes"]) - 1
        bias = network["bias"]
        flags = tuple(bias) if isinstance(bias, (list, tuple)) else (bool(bias),) * layers
        return cls(tuple(network["sizes"]), tuple(network["activation"]), network["output"],
                   flags, loss, rows)

    @property
    def layers(self) -> int:
        return len(self.sizes) - 1

    def activation(self, layer: int) -> str:
        """The activation of 1-based ``layer``."""
        return self.output if layer == self.layers else self.activations[layer - 1]


def _shape(*dims) -> str:
    """``(a, b)``, or ``(a,)`` for a vector."""
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _name(layer: int) -> str:
    return "X_{0}" if layer == 0 else f"A_{{{layer}}}"


def _text(name: str) -> str:
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def forward_latex(net: NetworkShape) -> str:
    """The forward pass, one aligned line pair per layer."""
    lines, n = [], net.rows
    for l in range(1, net.layers + 1):
        fan_in, fan_out = net.sizes[l - 1], net.sizes[l]
        bias = f" + b_{{{l}}}" if net.bias[l - 1] else ""
        bias_shape = f" + {_shape(fan_out)}" if net.bias[l - 1] else ""
        lines.append(f"Z_{{{l}}} &= {_name(l - 1)} W_{{{l}}}{bias} &&: {_shape(n, fan_in)}"
                     rf"\cdot{_shape(fan_in, fan_out)}{bias_shape} \to {_shape(n, fan_out)}")
        output = "Y = " if l == net.layers else ""
        lines.append(f"{output}{_name(l)} &= {_text(net.activation(l))}(Z_{{{l}}}) &&: "
                     f"{_shape(n, fan_out)}")
    return r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"


def loss_latex(net: NetworkShape) -> str:
    """The loss being minimised."""
    return _LOSSES[net.loss]


def backward_latex(net: NetworkShape) -> str:
    """The backward pass, from the output error down to the first layer."""
    n, L = net.rows, net.layers
    lines = [rf"\delta_{{{L}}} = \frac{{\partial L}}{{\partial Z_{{{L}}}}} &= "
             rf"{_OUTPUT_ERROR[net.loss]} &&: {_shape(n, net.sizes[L])}"]
    for l in range(L, 0, -1):
        fan_in, fan_out = net.sizes[l - 1], net.sizes[l]
        lines.append(rf"\frac{{\partial L}}{{\partial W_{{{l}}}}} &= {_name(l - 1)}^\top "
                     rf"\delta_{{{l}}} &&: {_shape(fan_in, n)}\cdot{_shape(n, fan_out)} \to "
                     f"{_shape(fan_in, fan_out)}")
        if net.bias[l - 1]:
            lines.append(rf"\frac{{\partial L}}{{\partial b_{{{l}}}}} &= \textstyle\sum_{{rows}}"
                         rf" \delta_{{{l}}} &&: {_shape(fan_out)}")
        if l > 1:
            lines.append(rf"\delta_{{{l - 1}}} &= (\delta_{{{l}}} W_{{{l}}}^\top) \odot "
                         rf"{_text(net.activation(l - 1))}'(Z_{{{l - 1}}}) &&: "
                         rf"{_shape(n, fan_out)}\cdot{_shape(fan_out, fan_in)} \to "
                         f"{_shape(n, fan_in)}")
    return r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"


def parameter_rows(net: NetworkShape) -> list[dict]:
    """One row per layer: its weight and bias shapes and parameter count, for a table."""
    rows = []
    for l in range(1, net.layers + 1):
        fan_in, fan_out = net.sizes[l - 1], net.sizes[l]
        biases = fan_out if net.bias[l - 1] else 0
        rows.append({"layer": l, "W shape": f"({fan_in}, {fan_out})",
                     "b shape": f"({fan_out},)" if biases else "none",
                     "parameters": fan_in * fan_out + biases})
    return rows


_UPDATES = {
    "sgd": r"\theta &\leftarrow \theta - \eta_e\, g",
    "momentum": r"v &\leftarrow {momentum}\, v - \eta_e\, g, \quad \theta \leftarrow \theta + v",
    "nesterov": r"v &\leftarrow {momentum}\, v - \eta_e\, g, \quad "
                r"\theta \leftarrow \theta + {momentum}\, v - \eta_e\, g",
    "rmsprop": r"s &\leftarrow {rho}\, s + (1 - {rho})\, g^2, \quad "
               r"\theta \leftarrow \theta - \eta_e\, g / (\sqrt{{s}} + \epsilon)",
    "adam": r"m &\leftarrow {beta1}\, m + (1 - {beta1})\, g, \quad "
            r"v \leftarrow {beta2}\, v + (1 - {beta2})\, g^2 \\ "
            r"\theta &\leftarrow \theta - \eta_e\, \frac{{m / (1 - {beta1}^t)}}"
            r"{{\sqrt{{v / (1 - {beta2}^t)}} + \epsilon}}",
}
_SCHEDULES = {
    "constant": r"\eta_e &= {lr}",
    "step": r"\eta_e &= {lr} \cdot {lr_gamma}^{{\lfloor e / {lr_step} \rfloor}}",
    "exponential": r"\eta_e &= {lr} \cdot {lr_gamma}^{{e}}",
    "inverse_time": r"\eta_e &= {lr} / (1 + {lr_decay}\, e)",
}


def update_latex(config) -> str:
    """The step of a :class:`~nncore.TrainConfig`: the learning rate of epoch ``e`` (from 0) and
    the optimiser's update, with the run's own numbers (``t`` counts Adam's steps)."""
    numbers = {"lr": config.learning_rate, "momentum": config.momentum, "rho": config.rho,
               "beta1": config.beta1, "beta2": config.beta2, "lr_gamma": config.lr_gamma,
               "lr_step": config.lr_step, "lr_decay": config.lr_decay}
    shown = {name: f"{value:g}" for name, value in numbers.items()}
    lines = [_SCHEDULES[config.schedule].format(**shown),
             _UPDATES[config.optimizer].format(**shown)]
    return r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"
