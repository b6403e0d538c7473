"""A picture of a network as a Graphviz DOT string (``st.graphviz_chart`` draws it as it is).

Layers run left to right. A layer wider than :data:`MAX_NODES` shows its first units, a "…"
node and its last unit. Given the weights, each edge is blue for a positive weight and red for
a negative one, thicker the larger it is.
"""
from __future__ import annotations

import numpy as np

__all__ = ["network_dot", "MAX_NODES"]

MAX_NODES = 6


def _shown_units(width: int) -> list[int | None]:
    """Unit indices to draw (None for the "…" node)."""
    if width <= MAX_NODES:
        return list(range(width))
    return [*range(MAX_NODES - 2), None, width - 1]


def _layer_title(layer: int, layers: int, width: int, activation: str) -> str:
    if layer == 0:
        return f"input ({width})"
    kind = "output" if layer == layers else f"hidden {layer}"
    return f"{kind}: {width} {activation}"


def _unit_label(layer: int, layers: int, unit: int, input_names) -> str:
    if layer == 0:
        name = str(input_names[unit]) if unit < len(input_names) else f"x{unit + 1}"
        return name[:8].replace("\\", "\\\\").replace('"', '\\"')
    return f"y{unit + 1}" if layer == layers else f"h{unit + 1}"


def _edge_style(weight: float | None, largest: float) -> str:
    if weight is None or not np.isfinite(weight):
        return 'color="#9aa5b1"'
    colour = "#1f77b4" if weight >= 0 else "#d62728"
    width = 0.4 + 2.6 * min(abs(weight) / largest, 1.0) if largest > 0 else 1.0
    return f'color="{colour}", penwidth={width:.2f}'


def _layer_block(layer, layers, sizes, activation, input_names) -> list[str]:
    lines = [f"  subgraph cluster_{layer} {{",
             f'    label="{_layer_title(layer, layers, sizes[layer], activation)}";'
             ' color="#d0d7de"; fontsize=11;']
    for unit in _shown_units(sizes[layer]):
        name = f"n{layer}_{'more' if unit is None else unit}"
        label = "…" if unit is None else _unit_label(layer, layers, unit, input_names)
        lines.append(f'    {name} [label="{label}"];')
    lines.append("  }")
    return lines


def _edges(layer, sizes, weights) -> list[str]:
    matrix = None if weights is None else np.asarray(weights[layer - 1])
    largest = 0.0 if matrix is None else float(np.nanmax(np.abs(matrix), initial=0.0))
    lines = []
    for i in _shown_units(sizes[layer - 1]):
        for j in _shown_units(sizes[layer]):
            known = matrix is not None and i is not None and j is not None
            style = _edge_style(matrix[i, j] if known else None, largest)
            src = f"n{layer - 1}_{'more' if i is None else i}"
            dst = f"n{layer}_{'more' if j is None else j}"
            lines.append(f"  {src} -> {dst} [{style}];")
    return lines


def network_dot(sizes, activations=(), output="identity", input_names=(), weights=None) -> str:
    """DOT source for a network of ``sizes`` ``(D, n_1, …, C)`` with hidden ``activations``
    and an ``output`` activation; ``weights`` (one ``(fan_in, fan_out)`` matrix per layer)
    colour the edges."""
    layers = len(sizes) - 1
    per_layer = ["", *activations, output]
    lines = ["digraph network {", "  rankdir=LR; splines=line; nodesep=0.15; ranksep=0.9;",
             '  node [shape=circle, width=0.45, fixedsize=true, fontsize=9, style=filled, '
             'fillcolor="#f6f8fa"];', "  edge [arrowhead=none];"]
    for layer in range(layers + 1):
        lines += _layer_block(layer, layers, sizes, per_layer[layer], input_names)
    for layer in range(1, layers + 1):
        lines += _edges(layer, sizes, weights)
    return "\n".join(lines + ["}"])
