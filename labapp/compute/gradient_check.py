"""The Train page's gradient check of a planned network: backprop against finite differences at
its initial weights, on the first :data:`~labapp.server.limits.GRADCHECK_ROWS` training rows."""
from __future__ import annotations

import numpy as np

import nncore

from ..server.limits import GRADCHECK_ROWS, MAX_GRADCHECK_PARAMS
from .prepare import Prepared
from .run_plan import Plan

__all__ = ["check_gradients"]


def check_gradients(prepared: Prepared, plan: Plan) -> dict[str, float] | None:
    """``{"W1": relative error, "b1": …}`` for ``plan``'s network on ``prepared``; None for a
    network too large to check on the shared server."""
    if plan.n_params > MAX_GRADCHECK_PARAMS:
        return None
    net = nncore.MLP(**plan.network)
    T = prepared.targets(plan.output_units)[0]
    with np.errstate(all="ignore"):
        return nncore.gradient_check(net, prepared.X_train[:GRADCHECK_ROWS], T[:GRADCHECK_ROWS],
                                     loss=plan.config.loss)
