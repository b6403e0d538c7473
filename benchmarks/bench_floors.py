"""The engine before and after a change, in one run: the seed network per step and the reference
sweep's CPU time, each code version in its own fresh process, taking turns.

The "before" code is a git revision (by default the commit before issue #14's work began),
extracted to a temporary folder; "after" is this working tree. Each turn starts one process per
version and case, so neither inherits the other's caches, and the turns alternate so that the
machine's drift hits both alike. scikit-learn and PyTorch train the same 3 → 4 → 1 network in
the same turns, for the ratios the issue asks to keep (≥ 4× and ≥ 8× per step). Usage::

    python benchmarks/bench_floors.py [--before 5f0ac6e] [--turns 3] [--skip-sweep]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import _common

ROOT = Path(__file__).resolve().parents[1]
BEFORE_DEFAULT = "5f0ac6e"
EPOCHS = 1000

WORKER = r"""
import json, os, sys, time, warnings
sys.path.insert(0, os.environ["BENCH_BENCHMARKS"])
import _common                                       # one BLAS thread, before NumPy loads
sys.path.insert(0, os.environ["BENCH_TREE"])
import numpy as np
case, epochs = sys.argv[1], int(sys.argv[2])

def cpu(fn):
    fn()                                             # warm: imports, first allocations
    start = time.process_time()
    fn()
    return time.process_time() - start

if case in ("plain", "seed"):
    import nncore
    preset = nncore.presets.seed_001()
    X, T = preset.X_train, preset.T_train
    if case == "plain":
        net = nncore.MLP([3, 4, 1], activation="relu", bias=True, init="uniform_pm1", seed=0)
        config = nncore.TrainConfig(loss="mse", epochs=epochs, learning_rate=0.01)
    else:
        net, config = preset.build(), preset.config.replace(epochs=epochs)
    seconds = cpu(lambda: nncore.train(net.copy(), X, T, config))
elif case == "sweep":                                # bench_sweep.py's reference sweep
    import nncore
    preset = nncore.presets.seed_001()
    base = nncore.RunSpec(sizes=(3, 4, 1), activation="relu", init="glorot",
                          config=nncore.TrainConfig(loss="mse", epochs=epochs))
    space = nncore.SweepSpace(base, {"learning_rate": nncore.log_space(1e-3, 1e-1, 5),
                                     "hidden_width": (4, 8, 16, 32, 48, 64),
                                     "dropout": (0.0, 0.1, 0.2, 0.3)}, seeds=range(5))
    def sweep():
        nncore.run_sweep(space, preset.X_train, preset.T_train, workers=1)
    start = time.process_time()
    sweep()
    seconds = time.process_time() - start
elif case == "scikit-learn":
    sys.path.insert(0, os.environ["BENCH_BENCHMARKS"])
    import nncore
    from bench_engine import sklearn_case
    preset = nncore.presets.seed_001()
    seconds = cpu(sklearn_case(preset.X_train, preset.T_train, 4, epochs))
elif case == "PyTorch":
    sys.path.insert(0, os.environ["BENCH_BENCHMARKS"])
    import torch, nncore
    from bench_engine import torch_case
    preset = nncore.presets.seed_001()
    seconds = cpu(torch_case(torch, preset.X_train, preset.T_train, 4, epochs))
print(json.dumps({"seconds": seconds}))
"""


def extract(revision: str, into: Path) -> Path:
    """The ``nncore`` package of ``revision``, unpacked under ``into``."""
    archive = subprocess.run(["git", "archive", revision, "nncore"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def measure(tree: Path, case: str, epochs: int) -> float:
    env = {**os.environ, "BENCH_TREE": str(tree), "BENCH_BENCHMARKS": str(ROOT / "benchmarks")}
    done = subprocess.run([sys.executable, "-c", WORKER, case, str(epochs)], env=env, check=True,
                          capture_output=True, text=True, cwd=tree)
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default=BEFORE_DEFAULT, help="git revision of the old code")
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    baselines = [name for name, module in (("scikit-learn", "sklearn"), ("PyTorch", "torch"))
                 if _common.optional(module) is not None]
    with tempfile.TemporaryDirectory() as folder:
        trees = {"before": extract(args.before, Path(folder)), "after": ROOT}
        cases = [(version, case) for case in ("plain", "seed") + (() if args.skip_sweep
                                                                   else ("sweep",))
                 for version in trees]
        cases += [("baseline", name) for name in baselines]
        seconds = {key: [] for key in cases}
        for turn in range(args.turns):
            for version, case in cases:
                tree = trees.get(version, ROOT)
                seconds[(version, case)].append(measure(tree, case, args.epochs))
            print(f"turn {turn + 1} of {args.turns} done", file=sys.stderr)
    median = {key: statistics.median(values) for key, values in seconds.items()}
    report(median, args)


def report(median, args):
    per_step = lambda key: median[key] / args.epochs * 1e6        # noqa: E731
    rows = []
    for case, what in (("plain", "3 → 4 → 1, biases, mse"),
                       ("seed", "seed 001 preset (each version's own)")):
        before, after = per_step(("before", case)), per_step(("after", case))
        rows.append([what, f"{before:.1f} µs", f"{after:.1f} µs", f"{after / before:.2f}×"])
    if ("after", "sweep") in median:
        before, after = median[("before", "sweep")], median[("after", "sweep")]
        rows.append(["reference sweep, 1 core (CPU s)", f"{before:.1f} s", f"{after:.1f} s",
                     f"{after / before:.2f}×"])
    print(f"Before: {args.before}; after: the working tree; medians of {args.turns} turns, "
          f"CPU time.\n")
    print(_common.markdown_table(["case", "before", "after", "after ÷ before"], rows))
    base = per_step(("after", "plain"))
    ratio_rows = [[name, f"{per_step(('baseline', name)):.1f} µs",
                   f"{per_step(('baseline', name)) / base:.1f}×"]
                  for name in ("scikit-learn", "PyTorch") if ("baseline", name) in median]
    if ratio_rows:
        print("\n" + _common.markdown_table(["3 → 4 → 1 per step", "time", "÷ nncore after"],
                                             ratio_rows))


if __name__ == "__main__":
    main()
