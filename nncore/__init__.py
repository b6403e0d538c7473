"""nncore: a neural network written from scratch in NumPy, for learning how networks train.

Start reading at :mod:`nncore.textbook`, the textbook floor: plain functions in the row-batch
convention (``A_0 = X`` is ``(N, D)``), a module docstring that lists every equation, one
layer's backward pass in :func:`~nncore.textbook.dense_backward` and the network's in
:func:`~nncore.textbook.backward`. ``MLP.forward``, ``MLP.loss_and_grads`` and
``gradient_check`` run it. Training runs :mod:`nncore.backprop`, the fast floor above it (tapes
of NumPy calls, transposed storage, a bias row of ones, 16-bit masks), tested equal to the
textbook floor to 1e-12.

Everything here imports NumPy and the standard library only.

>>> import numpy as np, nncore
>>> net = nncore.MLP([3, 4, 1], activation="relu", output="identity", bias=False,
...                  init="uniform_pm1", seed=0)
>>> X, T = np.ones((5, 3)), np.zeros((5, 1))
>>> loss, grads = net.loss_and_grads(X, T, loss="mse")
>>> [g.shape for g in grads["weights"]]
[(3, 4), (4, 1)]
"""
from . import datasets, experiments, preprocessing, presets, splits, synthetic
from .activations import ACTIVATIONS, DERIVATIVES
from .architecture import Architecture
from .config import TrainConfig
from .estimators import MLPClassifier, MLPRegressor, NotFittedError
from .gradcheck import gradient_check, numerical_gradients
from .history import History, Progress, TrainResult
from .initializers import INITIALIZERS
from .losses import LOSSES
from .metrics import accuracy, r2_score
from .network import MLP
from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES, learning_rates
from .serialization import from_bytes, load, save, to_bytes
from .stacked import RunRecord, RunSpec, train_stack
from .sweep_space import AXES, SweepSpace, log_space
from .compare import Verdict, compare_runs
from .executors import SweepProgress, run_specs
from .sweep_results import SweepResult
from .sweep_work import SweepWork, budget_problem, estimate_work
from .sweeps import run_sweep
from .training import Training, evaluate, train

__all__ = [
    "MLP", "Architecture", "TrainConfig", "train", "evaluate", "History", "TrainResult",
    "Progress", "gradient_check", "numerical_gradients", "save", "load", "to_bytes",
    "from_bytes", "MLPRegressor", "MLPClassifier", "NotFittedError", "r2_score", "accuracy",
    "learning_rates",
    "ACTIVATIONS", "DERIVATIVES", "LOSSES", "INITIALIZERS", "OPTIMIZERS", "SCHEDULES",
    "presets", "datasets", "experiments", "synthetic", "preprocessing", "splits", "RunSpec",
    "RunRecord", "train_stack", "SweepSpace", "AXES",
    "log_space", "run_sweep", "run_specs", "SweepResult", "SweepProgress", "Verdict",
    "compare_runs", "SweepWork", "estimate_work", "budget_problem",
]
__version__ = "0.1.0"
