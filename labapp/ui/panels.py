"""Drawing blocks more than one page uses: the network picture and the equations panel, both
drawn from a run's :class:`~labapp.compute.run_plan.Plan`."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ..compute.diagram import network_dot
from ..compute.equations import (NetworkShape, backward_latex, forward_latex, loss_latex,
                                 parameter_rows)
from ..compute.run_plan import Plan

__all__ = ["network_picture", "forward_panel", "backward_panel", "equations_panel"]


def network_picture(plan: Plan, weights=None) -> None:
    """The network as a graph, with its sizes and parameter count."""
    network = plan.network
    st.graphviz_chart(network_dot(network["sizes"], network["activation"], network["output"],
                                  plan.facts.feature_names, weights))
    coloured = " Blue lines are positive weights, red negative; thicker is larger." \
        if weights is not None else ""
    st.caption(f"{' → '.join(map(str, network['sizes']))}: {plan.n_params:,} parameters. "
               f"Each circle is a unit and each line one weight.{coloured}")


def forward_panel(plan: Plan, rows: int) -> None:
    """The forward pass of this network with its actual shapes, and the loss; ``rows`` is N,
    the rows in one gradient step."""
    shape = NetworkShape.from_network(plan.network, plan.config.loss, rows)
    st.markdown(f"**Forward pass** for a batch of N = {rows:,} rows (rows are samples; "
                "W has shape (inputs, units)):")
    st.latex(forward_latex(shape))
    st.markdown("**Loss**")
    st.latex(loss_latex(shape))


def backward_panel(plan: Plan, rows: int) -> None:
    """The backward pass with its actual shapes, and the parameters layer by layer."""
    shape = NetworkShape.from_network(plan.network, plan.config.loss, rows)
    st.markdown("**Backward pass**: δ is the loss's gradient with respect to a layer's Z; each "
                "gradient has exactly its parameter's shape.")
    st.latex(backward_latex(shape))
    st.dataframe(pd.DataFrame(parameter_rows(shape)), hide_index=True)
    st.markdown(f"**{plan.n_params:,} parameters** in all: every weight and every bias.")


def equations_panel(plan: Plan, rows: int, weights=None, equations: bool = True) -> None:
    """The network's picture beside its forward pass for a batch of ``rows`` rows, then its
    backward pass (the equations are left out when ``equations`` is false)."""
    left, right = st.columns([2, 3]) if equations else (st.container(), None)
    with left:
        network_picture(plan, weights)
    if equations:
        with right:
            forward_panel(plan, rows)
        backward_panel(plan, rows)
