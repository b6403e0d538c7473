"""Does ``labapp.compute.run_cost`` count what a training run really costs? Estimates against
measurements.

For a grid of run shapes (batch 1, 8, 32, 1024 and full batch; 1 to 10 hidden layers of 4 to
256 units; dropout and DropConnect on and off; 200 to 5,000 spiral points; an upload-sized
table of 150,000 training rows × 19 features) the script builds the run as the app does
(``labapp.compute.run_plan.plan`` on ``labapp.compute.prepare`` data) and compares:

- **time**: ``labapp.compute.run_cost.epoch_seconds`` × epochs against the CPU seconds
  (``time.process_time``, one BLAS thread) that ``nncore.train`` takes for a few epochs (chosen so
  that each case takes about :data:`TARGET_SECONDS`), and ``report_seconds`` against
  ``labapp.compute.run_report.build_report`` (what ``labapp.compute.runs.execute`` does after
  training);
- **memory**: ``labapp.compute.run_cost.run_bytes`` (the plan's ``memory``, meant as an upper
  bound) against the peak that ``tracemalloc`` sees (it counts NumPy's arrays) while training
  one epoch (the history arrays sized for the plan's epochs, as in the app) and building the
  report.

A case whose one epoch would take more than :data:`MAX_EPOCH_SECONDS` is measured on its first
training rows only (same network, batch and test rows; the per-step cost does not depend on the
number of steps), and the table says so. It then fits the cost model's seven constants to the
measured epochs (non-negative least squares on relative error) to show which term is off.

Finally it opens the issue's link (``data=spiral&n=5000&hidden=`` ten layers of 256, ``batch=1``,
dropout 0.5, DropConnect 0.5, ``epochs=5000&run=1``) through
``labapp.settings.url_state.decode`` and reports what the plan does now, the epochs the old work
cap allowed (``epochs × (N_train × parameters + steps × 200,000) ≤ 25e9``) and what those would
cost at the measured cost per step. Usage::

    python benchmarks/bench_caps.py [--quick]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import math
import sys
import time
import tracemalloc
from dataclasses import dataclass, replace
from pathlib import Path

import _common  # noqa: F401  (sets single-threaded BLAS before NumPy loads)

import numpy as np  # noqa: E402

import nncore  # noqa: E402
from labapp.compute import run_cost  # noqa: E402
from labapp.compute import run_plan  # noqa: E402
from labapp.compute.prepare import Prepared, prepare  # noqa: E402
from labapp.compute.run_report import build_report  # noqa: E402
from labapp.data.lab_table import load_table  # noqa: E402
from labapp.data.uploads import Upload  # noqa: E402
from labapp.server.limits import RUN_MEMORY, RUN_SECONDS  # noqa: E402
from labapp.settings.dataset_names import UPLOAD  # noqa: E402
from labapp.settings.page_settings import DataSettings, TrainSettings  # noqa: E402
from labapp.settings.url_state import decode  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: CPU seconds each timed case aims at (estimated); at least one epoch is always run.
TARGET_SECONDS = 1.0
#: A case whose one epoch is estimated longer than this is measured on fewer training rows.
MAX_EPOCH_SECONDS = 4.0
#: Timed tries per case; the fastest counts.
REPEATS = 2
#: The issue's link, as a student would open it.
ISSUE_LINK = {"data": "spiral", "n": "5000", "hidden": ",".join(["256"] * 10), "batch": "1",
              "dropout": "0.5", "dropconnect": "0.5", "epochs": "5000", "run": "1"}
#: The work cap before this change (docs/app.md): units per run, and per step beyond the products.
OLD_WORK_CAP, OLD_STEP_COST = 25e9, 200_000
#: The upload-sized table: training and test rows (a 200,000-row file at the default test share
#: of 0.25), 19 features and a regression target.
UPLOAD_TRAIN, UPLOAD_TEST, UPLOAD_FEATURES = 150_000, 50_000, 19


@dataclass(frozen=True)
class Case:
    data: str                    # "spiral:<n>" or "upload"
    hidden: tuple[int, ...]
    batch: int = 0               # 0: full batch
    dropout: float = 0.0
    dropconnect: float = 0.0
    act: str = "tanh"            # the app's default hidden activation
    rows: int | None = None      # measure on the first ``rows`` training rows only

    @property
    def label(self) -> str:
        layers = f"{len(self.hidden)}×{self.hidden[0]}" if len(set(self.hidden)) == 1 else \
            "-".join(map(str, self.hidden))
        data = f"spiral {self.data.split(':')[1]}" if self.data.startswith("spiral") else \
            "upload 200k×19"
        regular = "+".join(n for n, p in (("do", self.dropout), ("dc", self.dropconnect)) if p)
        return (f"{data}, {layers} {self.act}, batch {self.batch or 'full'}"
                + (f", {regular}" if regular else ""))


def grid(quick: bool) -> list[Case]:
    ten = (256,) * 10
    cases = [
        # full batch: widths, depths and rows
        Case("spiral:200", (4,)), Case("spiral:1000", (16, 16)), Case("spiral:5000", (8, 8)),
        Case("spiral:5000", (8, 8), act="relu"), Case("spiral:5000", (64, 64)),
        Case("spiral:5000", (256,) * 5), Case("spiral:5000", ten),
        Case("spiral:5000", (64, 64), dropout=0.5), Case("spiral:5000", (64, 64), dropconnect=0.5),
        Case("spiral:5000", (64, 64), dropout=0.5, dropconnect=0.5),
        # mini-batches
        Case("spiral:1000", (16, 16), batch=32), Case("spiral:5000", (64, 64), batch=32),
        Case("spiral:5000", (64, 64), batch=32, dropout=0.5, dropconnect=0.5),
        Case("spiral:5000", ten, batch=32), Case("spiral:5000", ten, batch=1024),
        Case("spiral:2000", ten, batch=1024),
        Case("spiral:1000", (64,) * 3, batch=8), Case("spiral:1000", ten, batch=8, rows=400),
        # batch 1: the per-step terms
        Case("spiral:1000", (4,), batch=1), Case("spiral:200", (256,), batch=1),
        Case("spiral:1000", (4,) * 10, batch=1), Case("spiral:5000", (1,) * 10, act="relu"),
        Case("spiral:5000", (1,) * 10, batch=1, dropout=0.5, dropconnect=0.5, rows=1000),
        Case("spiral:5000", ten, batch=1, rows=300),
        Case("spiral:5000", ten, batch=1, dropout=0.5, dropconnect=0.5, rows=300),
        # the upload-sized table with small networks
        Case("upload", (8, 8)), Case("upload", (8, 8), batch=1024),
        Case("upload", (32, 32), batch=32, rows=30_000),
    ]
    if quick:
        keep = {0, 2, 6, 11, 14, 18, 22, 23}
        cases = [c for k, c in enumerate(cases) if k in keep]
    return cases


# -- data -------------------------------------------------------------------------------------

def upload_csv(rows: int, features: int, seed: int = 0) -> bytes:
    """A regression table as CSV text: uniform features and a noisy linear target."""
    rng = np.random.default_rng(seed)
    X = rng.random((rows, features))
    y = X @ rng.normal(size=features) + 0.1 * rng.normal(size=rows)
    out = io.StringIO()
    out.write(",".join([f"x{j}" for j in range(features)] + ["y"]) + "\n")
    np.savetxt(out, np.column_stack([X, y]), fmt="%.8f", delimiter=",")
    return out.getvalue().encode()


class Data:
    """Prepared data for each case, built once, as the app builds it."""

    def __init__(self):
        self._cache: dict[str, Prepared] = {}
        self._upload: Upload | None = None

    def get(self, key: str) -> Prepared:
        if key not in self._cache:
            self._cache[key] = self._load(key)
        return self._cache[key]

    def _load(self, key: str) -> Prepared:
        if key.startswith("spiral:"):
            data = DataSettings(dataset="spiral", n_samples=int(key.split(":")[1]))
            return prepare(load_table(data))
        raw = upload_csv(UPLOAD_TRAIN + UPLOAD_TEST, UPLOAD_FEATURES)
        self._upload = Upload.read(raw)
        data = DataSettings(dataset=UPLOAD, upload=self._upload.digest, test_ratio=0.25)
        return prepare(load_table(data, self._upload))


def first_rows(prepared: Prepared, rows: int) -> Prepared:
    """The same data with only its first ``rows`` training rows (test rows unchanged)."""
    cut = slice(0, rows)
    return replace(prepared, train_rows=prepared.train_rows[cut], X_train=prepared.X_train[cut],
                   Y_train=None if prepared.Y_train is None else prepared.Y_train[cut],
                   labels_train=None if prepared.labels_train is None
                   else prepared.labels_train[cut])


def shape_of(prepared: Prepared, plan: run_plan.Plan) -> run_cost.RunShape:
    """The run's shape as ``labapp.compute.run_plan`` built it for the estimate."""
    return plan.shape


# -- measuring --------------------------------------------------------------------------------

@dataclass
class Measured:
    case: Case
    shape: run_cost.RunShape
    plan_epochs: int
    problem: str | None
    epochs: int
    est_train: float
    cpu_train: float
    est_report: float
    cpu_report: float
    est_bytes: int
    peak_bytes: int


def _train(prepared: Prepared, plan: run_plan.Plan, config, callback=None):
    net = nncore.MLP(**plan.network)
    T_train, T_test = prepared.targets(plan.output_units)
    test = {"X_test": prepared.X_test, "T_test": T_test} if prepared.has_test else {}
    nncore.train(net, prepared.X_train, T_train, config, callback=callback, **test)
    return net


def measure(case: Case, data: Data) -> Measured:
    prepared = data.get(case.data)
    if case.rows is not None:
        prepared = first_rows(prepared, case.rows)
    settings = TrainSettings(hidden=case.hidden, activations=(case.act,) * len(case.hidden),
                             batch_size=case.batch, dropout=case.dropout,
                             dropconnect=case.dropconnect, epochs=5000)
    plan = run_plan.plan(prepared, settings)
    shape = shape_of(prepared, plan)
    per_epoch = run_cost.epoch_seconds(shape)
    epochs = max(1, min(plan.config.epochs, round(TARGET_SECONDS / per_epoch)))
    # Time: a few epochs, then the report, as labapp.compute.runs.execute does; the faster of
    # REPEATS tries (other work on a shared machine only ever adds CPU time).
    cpu_train = cpu_report = math.inf
    for _ in range(REPEATS):
        start = time.process_time()
        net = _train(prepared, plan, replace(plan.config, epochs=epochs))
        cpu_train = min(cpu_train, time.process_time() - start)
        start = time.process_time()
        build_report(net, prepared)
        cpu_report = min(cpu_report, time.process_time() - start)
    # Memory: one epoch of the planned run (its history sized for every epoch), and the report.
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    net = _train(prepared, plan, plan.config, callback=lambda progress: True)
    build_report(net, prepared)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return Measured(case, shape, plan.config.epochs, plan.problem, epochs,
                    per_epoch * epochs, cpu_train, run_cost.report_seconds(shape), cpu_report,
                    run_cost.run_bytes(shape), peak)


# -- the model's terms ------------------------------------------------------------------------

TERMS = ("STEP_SECONDS", "LAYER_SECONDS", "NOISE_LAYER_SECONDS", "PARAM_SECONDS",
         "MASK_SECONDS", "MAC_SECONDS", "UNIT_SECONDS", "GATHER_SECONDS")


def features(shape: run_cost.RunShape) -> np.ndarray:
    """What each constant of ``labapp.compute.run_cost`` multiplies in one epoch (see its
    docstring): ``epoch_seconds(shape) == features(shape) @ constants``."""
    steps, rows = shape.steps_per_epoch, shape.batch_rows
    layers, params = len(shape.sizes) - 1, shape.n_params
    units = shape.n_units * (2 if shape.dropout else 1)
    mini = rows != shape.n_train
    test = shape.n_test > 0
    noisy = shape.dropout or shape.dropconnect
    return np.array([
        steps,
        steps * layers + (layers if test else 0),
        steps * layers if noisy else 0,
        steps * params,
        steps * params if shape.dropconnect else 0,
        steps * rows * 3 * params + shape.n_test * params,
        steps * rows * 3 * units + shape.n_test * shape.n_units,
        steps * rows * (shape.sizes[0] + shape.sizes[-1]) if mini else 0,
    ], dtype=float)


def constants() -> np.ndarray:
    return np.array([getattr(run_cost, name) for name in TERMS])


def fit(results: list[Measured]) -> np.ndarray | None:
    """Constants that fit the measured epochs best in relative error (non-negative)."""
    try:
        from scipy.optimize import nnls
    except ImportError:
        return None
    A = np.array([features(m.shape) * m.epochs / m.cpu_train for m in results])
    scale = A.max(axis=0)
    scale[scale == 0] = 1
    solution, _ = nnls(A / scale, np.ones(len(results)))
    return solution / scale


# -- the issue's link -------------------------------------------------------------------------

def old_cap_epochs(n_train: int, n_params: int, batch: int, epochs: int) -> int:
    steps = 1 if batch <= 0 else math.ceil(n_train / min(batch, n_train))
    return min(epochs, int(OLD_WORK_CAP // (n_train * n_params + steps * OLD_STEP_COST)))


def issue_link(data: Data, results: list[Measured]) -> list[str]:
    state, notes = decode(ISSUE_LINK)
    prepared = prepare(load_table(state.data))
    plan = run_plan.plan(prepared, state.train)
    shape = shape_of(prepared, plan)
    old = old_cap_epochs(shape.n_train, plan.n_params, state.train.batch_size,
                         state.train.epochs)
    lines = [f"Link: `{'&'.join(f'{k}={v}' for k, v in ISSUE_LINK.items())}`",
             f"- decoded: {len(state.train.hidden)} hidden layers of {state.train.hidden[0]} "
             f"({state.train.activations[0]}), {plan.n_params:,} parameters, "
             f"{shape.n_train:,} training and {shape.n_test:,} test rows, "
             f"{shape.steps_per_epoch:,} steps per epoch" + (f"; notes: {notes}" if notes else ""),
             f"- estimated: {run_cost.step_seconds(shape) * 1e3:.1f} ms per step, "
             f"{run_cost.epoch_seconds(shape):.1f} s per epoch, {plan.memory / 1e6:,.0f} MB",
             f"- the plan now: epochs {plan.config.epochs}, "
             + (f"**refused**: \"{plan.problem}\"" if plan.problem else "allowed")]
    same = [m for m in results if m.case.hidden == state.train.hidden and m.case.batch == 1
            and m.case.dropout and m.case.dropconnect]
    if same:
        m = same[0]
        per_step = m.cpu_train / (m.epochs * m.shape.steps_per_epoch)
        est_step = run_cost.step_seconds(m.shape)
        before = old * shape.steps_per_epoch * per_step
        lines.append(f"- measured (first {m.shape.n_train} training rows, {m.epochs} epoch(s)): "
                     f"{per_step * 1e3:.1f} ms of CPU per step, estimate {est_step * 1e3:.1f} ms "
                     f"(measured ÷ estimated {per_step / est_step:.2f})")
        lines.append(f"- before: the old work cap allowed {old} epochs × "
                     f"{shape.steps_per_epoch:,} steps = {old * shape.steps_per_epoch:,} steps, "
                     f"about **{before:.0f} s** of one core at the measured cost per step "
                     f"(docs promised about 5 s)")
    return lines


# -- report -----------------------------------------------------------------------------------

def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "—"


def table(results: list[Measured]) -> str:
    rows = []
    for m in results:
        shown_rows = f"{m.shape.n_train:,}" + (" (cut)" if m.case.rows else "")
        refused = "refused" if m.problem else f"{m.plan_epochs}"
        rows.append((m.case.label, shown_rows, refused, m.epochs,
                     f"{m.est_train:.3f}", f"{m.cpu_train:.3f}", ratio(m.cpu_train, m.est_train),
                     f"{m.est_report:.3f}", f"{m.cpu_report:.3f}",
                     f"{m.est_bytes / 1e6:,.1f}", f"{m.peak_bytes / 1e6:,.1f}",
                     ratio(m.peak_bytes, m.est_bytes)))
    return _common.markdown_table(
        ["case", "training rows", "plan epochs", "epochs timed", "est. s", "measured CPU s",
         "measured ÷ est.", "report est. s", "report CPU s", "est. MB", "peak MB",
         "peak ÷ est."], rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few cases only")
    args = parser.parse_args()
    started = time.perf_counter()
    data, results = Data(), []
    for case in grid(args.quick):
        results.append(measure(case, data))
        m = results[-1]
        print(f"{m.case.label}: {m.cpu_train:.2f} s measured, {m.est_train:.2f} s estimated; "
              f"{m.peak_bytes / 1e6:.0f} MB peak, {m.est_bytes / 1e6:.0f} MB estimated",
              file=sys.stderr, flush=True)
    versions = ", ".join(f"{name} {hashlib.sha256((ROOT / name).read_bytes()).hexdigest()[:10]}"
                         for name in ("labapp/compute/run_cost.py", "labapp/compute/run_plan.py",
                                      "nncore/sweeps.py"))
    print(f"RUN_SECONDS = {RUN_SECONDS:g} s, RUN_MEMORY = {RUN_MEMORY / 1e6:,.0f} MB; "
          f"numpy {np.__version__}; sha256 of {versions}\n")
    print(table(results))
    time_ratios = [m.cpu_train / m.est_train for m in results]
    off = [f"{m.case.label} ({m.cpu_train / m.est_train:.2f})" for m in results
           if not 0.5 <= m.cpu_train / m.est_train <= 2]
    report_ratios = [m.cpu_report / m.est_report for m in results if m.est_report > 0]
    mem_ratios = [m.peak_bytes / m.est_bytes for m in results]
    print(f"\nTime, measured ÷ estimated: {min(time_ratios):.2f}–{max(time_ratios):.2f} "
          f"(median {np.median(time_ratios):.2f}); off by more than ×2 in "
          f"{len(off)} of {len(results)} cases" + (f": {'; '.join(off)}." if off else "."))
    print(f"Report (after training), measured ÷ estimated: {min(report_ratios):.2f}–"
          f"{max(report_ratios):.2f} (median {np.median(report_ratios):.2f}).")
    print(f"Memory, peak ÷ estimated: {min(mem_ratios):.2f}–{max(mem_ratios):.2f} "
          f"(median {np.median(mem_ratios):.2f}); the estimate is below the peak in "
          f"{sum(r > 1 for r in mem_ratios)} of {len(results)} cases.")
    agrees = all(math.isclose(features(m.shape) @ constants(), run_cost.epoch_seconds(m.shape),
                              rel_tol=1e-9) for m in results)
    fitted = fit(results) if agrees else None
    if not agrees:
        print("\nlabapp.compute.run_cost no longer matches this script's terms: no fit.")
    if fitted is not None:
        print("\nThe cost model's constants, and those that fit these measurements best "
              "(non-negative least squares, relative error):\n")
        print(_common.markdown_table(["term", "labapp.compute.run_cost", "fitted"],
                                     [(name, f"{c:.3g}", f"{f:.3g}") for name, c, f in
                                      zip(TERMS, constants(), fitted)]))
        refit = [m.cpu_train / (features(m.shape) @ fitted * m.epochs) for m in results]
        print(f"\nWith the fitted constants, measured ÷ estimated: {min(refit):.2f}–"
              f"{max(refit):.2f}.")
    print("\n## The issue's link\n")
    print("\n".join(issue_link(data, results)))
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
