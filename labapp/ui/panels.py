"""The equations of a run's network with its actual shapes, drawn from its
:class:`~labapp.compute.run_plan.Plan`: the forward pass and the loss, then the backward pass,
the parameters and the step; and, for the home page, all of it beside the network's picture."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ..compute.equations import (NetworkShape, backward_latex, forward_latex, loss_latex,
                                 parameter_rows, update_latex)
from ..compute.run_plan import Plan
from ..compute.runs import untrained_net
from ..compute.unit_maps import scene, unit_maps
from ..views.network_picture import network_picture
from .live_view import show_picture

__all__ = ["forward_panel", "backward_panel", "equations_panel"]


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
    st.markdown("**The step**: the learning rate of epoch e and the optimiser's update of the "
                "parameters θ from their gradient g.")
    st.latex(update_latex(plan.config))


def equations_panel(plan: Plan, prepared, rows: int) -> None:
    """The network before training (each unit's map on ``prepared``, its data) beside its forward
    pass for a batch of ``rows`` rows, then its backward pass."""
    left, right = st.columns([2, 3])
    with left:
        maps = unit_maps(untrained_net(plan), scene(prepared, plan.network["sizes"]))
        picture = network_picture(maps)
        show_picture(picture, f"{' → '.join(map(str, plan.network['sizes']))}: "
                              f"{plan.n_params:,} parameters, with their initial weights. "
                              f"{picture.caption}")
    with right:
        forward_panel(plan, rows)
    backward_panel(plan, rows)
