"""Sweeps: the reference sweep (600 runs × 1000 epochs) and the classroom sweep.

Reference sweep, as issue #4 defines it: the seed-001 data (Boston, 3 features divided by their
maxima, full batch, no test set), 5 learning rates × widths 4, 8, 16, 32, 48, 64 × dropout 0,
0.1, 0.2, 0.3 × 5 seeds = 600 runs of 1000 epochs (3 → h → 1 ReLU, mse, sgd). It is also run with
a 100-row test set evaluated every epoch, as the app's sweeps are.

The baselines train the same runs one after another: scikit-learn's
``MLPRegressor(solver="sgd", momentum=0, alpha=0)`` (which has no dropout, so its runs are
cheaper than ours), PyTorch autograd on the CPU, and nncore's own single-run ``train``. Training
all 600 runs each way would take many minutes, so each baseline trains an evenly spaced
subsample of ``--sample`` runs and the time is scaled to 600; the subsample covers every width.

The same run also profiles the machine against the figures in ``shared/perf-notes.md``, where
the speed targets come from (matrix-product peak, copy bandwidth, per-call costs, random
numbers); splits one training step of a width-64 dropout chunk into products, elementwise passes
and mask draws; and, next to each sweep's wall time, reports the CPU seconds it used (this
process and its workers), which stay meaningful when other work shares the machine. Usage::

    python benchmarks/bench_sweep.py [--sample 30] [--skip-reference]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import timeit
import warnings
from functools import partial

import _common
import numpy as np
from numpy.lib.introspect import opt_func_info

import nncore
from nncore.masks import StackedKeepDraws
from nncore.stacked import RunSpec, stack_loop
from nncore.sweep_work import plan_chunks

EPOCHS = 1000
WIDTHS = (4, 8, 16, 32, 48, 64)


def reference_space():
    base = RunSpec(sizes=(3, 4, 1), activation="relu", init="glorot",
                   config=nncore.TrainConfig(loss="mse", epochs=EPOCHS))
    return nncore.SweepSpace(base, {"learning_rate": nncore.log_space(1e-3, 1e-1, 5),
                                    "hidden_width": WIDTHS, "dropout": (0.0, 0.1, 0.2, 0.3)},
                             seeds=range(5))


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def best_microseconds(fn, number=2000, repeat=7):
    """The fastest of ``repeat`` timings of ``number`` calls, in µs per call."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def machine_peaks():
    out = {}
    for dtype in (np.float64, np.float32):
        a = np.random.default_rng(0).random((2048, 2048)).astype(dtype)
        np.dot(a, a)
        seconds = best_microseconds(lambda: np.dot(a, a), number=1, repeat=3) / 1e6
        out[np.dtype(dtype).name] = 2 * 2048**3 / seconds / 1e9
    big, dst = np.ones(32 * 2**20), np.empty(32 * 2**20)
    seconds = best_microseconds(lambda: np.copyto(dst, big), number=1, repeat=3) / 1e6
    out["bandwidth"] = 2 * big.nbytes / seconds / 1e9
    return out


def machine_profile(peaks):
    """This machine next to the one ``shared/perf-notes.md`` (and the targets) were measured on."""
    small, column = np.ones(4), np.random.default_rng(0).random((506, 4))
    generator = np.random.default_rng(0)
    draws = 1 << 16
    simd = opt_func_info(func_name="^add$", signature="float64")["add"]["ddd"]["current"]
    rows = [
        ["matrix product 2048², float64, 1 thread", "59 GFLOP/s", f"{peaks['float64']:.0f} GFLOP/s"],
        ["matrix product 2048², float32, 1 thread", "120 GFLOP/s", f"{peaks['float32']:.0f} GFLOP/s"],
        ["copy from main memory", "39 GB/s", f"{peaks['bandwidth']:.0f} GB/s"],
        ["one NumPy call on 4 numbers", "0.7 µs", f"{best_microseconds(lambda: np.negative(small, out=small)):.2f} µs"],
        ["`np.mean` of (506, 4)", "3.3 µs", f"{best_microseconds(lambda: np.mean(column)):.1f} µs"],
        ["`sum(axis=0)` of (506, 4)", "7 µs", f"{best_microseconds(lambda: column.sum(axis=0)):.1f} µs"],
        ["`rng.random`, per number", "1.4–1.7 ns",
         f"{best_microseconds(lambda: generator.random(draws), 50) * 1e3 / draws:.1f} ns"],
        ["`random_raw`, per 64-bit word", "—",
         f"{best_microseconds(lambda: generator.bit_generator.random_raw(draws), 50) * 1e3 / draws:.1f} ns"],
        ["NumPy's SIMD level for `add` (AVX-512 is X86_V4)", "AVX-512", simd],
    ]
    return rows


def cpu_seconds():
    """CPU time of this process and of its finished child processes."""
    own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def tape_medians(stack, repeats, with_test=True):
    """``(op, median seconds)`` of every call of one training step of ``stack`` (and of its
    test-set evaluation), each timed on its own, in tape order."""
    ws = stack.batches.steps[0][0]
    ops = ws.forward_tape + [ws.loss_op] + ws.backward_tape
    if with_test:
        ops += stack.test.ws.forward_tape + [stack.test.ws.value_op]
    times = [[] for _ in ops]
    for _ in range(repeats):
        for op, spent in zip(ops, times):
            start = time.perf_counter()
            op()
            spent.append(time.perf_counter() - start)
    return [(op, statistics.median(spent)) for op, spent in zip(ops, times)]


def call_kind(op):
    """"products" (BLAS), "mask draws" or "elementwise and losses"."""
    func = op.func if isinstance(op, partial) else op
    if func in (np.matmul, np.dot):
        return "products"
    return "mask draws" if isinstance(func, StackedKeepDraws) else "elementwise and losses"


def step_breakdown(X, T, X_test, T_test, dtype, width=64, k=8, repeats=60):
    """Median seconds per training step of one chunk (``k`` runs of width ``width``, dropout 0.2,
    test set every epoch), split into BLAS products, mask draws and elementwise NumPy calls."""
    specs = [RunSpec(sizes=(3, width, 1), config=nncore.TrainConfig(
        epochs=1, learning_rate=0.01, dropout=0.2, seed=s)) for s in range(k)]
    kinds = {"products": 0.0, "mask draws": 0.0, "elementwise and losses": 0.0}
    for op, seconds in tape_medians(stack_loop(specs, X, T, X_test, T_test, np.dtype(dtype), 1), repeats):
        kinds[call_kind(op)] += seconds
    return kinds


def needed(op, hidden_shape, x):
    """Whether a call is one this algorithm cannot do without: a product, a mask draw, or one of
    the two float passes that write a hidden-layer array, ``F = f'(Z) ⊙ mask`` and ``A``
    (``x ⊙ e`` has the hidden layer's shape at width D + 1 but is not one of them)."""
    if call_kind(op) != "elementwise and losses":
        return True
    if not isinstance(op, partial) or (op.args and op.args[0] is x):
        return False
    if op.func is np.copyto:
        out = op.args[0]
    else:                                           # ufuncs take out=, activations f(z, out)
        out = op.keywords.get("out", op.args[1] if len(op.args) == 2 else None)
    return isinstance(out, np.ndarray) and out.shape == hidden_shape and out.dtype.kind == "f"


def call_by_call_seconds(space, X, T, dtype, repeats=30):
    """Single-core seconds of the reference sweep, from every chunk's training step timed call
    by call: ``(all calls, the calls of :func:`needed`)``."""
    specs = [spec for _, spec in space.runs()]
    all_calls = needed_calls = 0.0
    for chunk in plan_chunks(specs, len(X), 0, dtype):
        stack = stack_loop([specs[i] for i in chunk], X, T, None, None, np.dtype(dtype), 1)
        ws = stack.batches.steps[0][0]
        hidden = (len(chunk), specs[chunk[0]].sizes[1], len(X))
        steps = specs[chunk[0]].config.epochs
        medians = tape_medians(stack, repeats, with_test=False)
        all_calls += steps * sum(seconds for _, seconds in medians)
        needed_calls += steps * sum(seconds for op, seconds in medians if needed(op, hidden, ws.x))
    return all_calls, needed_calls


def flops_per_run(spec, n_train, n_test):
    """Multiply-adds ×2 of the three products per layer and step, plus the test forward pass."""
    per_sample = sum((i + 1) * o for i, o in zip(spec.sizes[:-1], spec.sizes[1:]))
    return 2 * per_sample * (3 * n_train + n_test) * spec.config.epochs


def sklearn_runs(runs, X, T):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    for spec in runs:
        model = MLPRegressor(hidden_layer_sizes=spec.sizes[1:-1], solver="sgd", momentum=0,
                             alpha=0, batch_size=len(X), learning_rate_init=spec.config.learning_rate,
                             max_iter=spec.config.epochs, shuffle=False, tol=0,
                             n_iter_no_change=10**9, random_state=spec.config.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, T[:, 0])


def torch_runs(torch, runs, X, T):
    torch.set_num_threads(1)
    x, t = torch.tensor(X), torch.tensor(T)
    for spec in runs:
        torch.manual_seed(spec.config.seed)
        width = spec.sizes[1]
        model = torch.nn.Sequential(torch.nn.Linear(3, width), torch.nn.ReLU(),
                                    torch.nn.Dropout(spec.config.dropout),
                                    torch.nn.Linear(width, 1)).double()
        opt = torch.optim.SGD(model.parameters(), lr=spec.config.learning_rate)
        for _ in range(spec.config.epochs):
            opt.zero_grad()
            loss = 0.5 * ((model(x) - t) ** 2).sum() / len(x)
            loss.backward()
            opt.step()


def nncore_runs(runs, X, T):
    for spec in runs:
        nncore.train(spec.build(), X, T, spec.config)


def timed_sweep(space, X, T, X_test, T_test, dtype, workers):
    """Wall seconds and CPU seconds (this process and its workers) of one sweep."""
    cpu = cpu_seconds()
    seconds, _ = timed(lambda: nncore.run_sweep(space, X, T, X_test, T_test,
                                                workers=workers, dtype=dtype))
    return seconds, cpu_seconds() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args()
    peaks = machine_peaks()
    print("This machine and the one shared/perf-notes.md was measured on:\n")
    print(_common.markdown_table(["", "perf-notes", "here"], machine_profile(peaks)))

    space, X, T, X_test, T_test = nncore.presets.classroom_sweep()
    seconds, result = timed(lambda: nncore.run_sweep(space, X, T, X_test, T_test, workers=1))
    print(f"\nClassroom sweep: {len(result.records)} runs × 300 epochs on one core: {seconds:.2f} s")
    if args.skip_reference:
        return

    preset = nncore.presets.seed_001()
    X, T = preset.X_train, preset.T_train
    X_test, T_test = X[:100], T[:100]
    space = reference_space()
    runs = [spec for _, spec in space.runs()]
    flops = sum(flops_per_run(s, len(X), 0) for s in runs)
    print("\nOne step of a width-64 chunk (8 runs, dropout 0.2, test set), medians per call:")
    for dtype in (np.float64, np.float32):
        kinds = step_breakdown(X, T, X_test, T_test, dtype)
        total = sum(kinds.values())
        print(f"  {np.dtype(dtype).name}: {total / 8 * 1e6:.0f} µs per run-step; " +
              ", ".join(f"{name} {100 * v / total:.0f}%" for name, v in kinds.items()))
    print(f"\nLoad average before the sweeps: {os.getloadavg()[0]:.1f} (2 cores)")
    rows, one_core_cpu, wall = [], {}, {}
    for dtype, workers in ((np.float64, 1), (np.float64, 2), (np.float32, 1), (np.float32, 2)):
        seconds, cpu = timed_sweep(space, X, T, None, None, dtype, workers)
        wall[np.dtype(dtype).name, workers] = seconds
        if workers == 1:
            one_core_cpu[np.dtype(dtype).name] = cpu
        peak = peaks[np.dtype(dtype).name] * workers
        rows.append([f"nncore sweep, {np.dtype(dtype).name}, {workers} core(s)", f"{seconds:.1f}",
                     f"{flops / seconds / 1e9:.2f} GFLOP/s = {100 * flops / seconds / 1e9 / peak:.1f}% "
                     f"of peak; {cpu:.1f} CPU s"])
    print("\nThe reference sweep call by call (every chunk's training step, each call timed on "
          "its own, one core):")
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        all_calls, needed_calls = call_by_call_seconds(space, X, T, dtype)
        print(f"  {name}: all calls {all_calls:.1f} s; the products, mask draws and the passes "
              f"writing F and A {needed_calls:.1f} s (half of it is {needed_calls / 2:.1f} s); the "
              f"sweep used {one_core_cpu[name]:.1f} CPU s on one core, "
              f"{100 * needed_calls / one_core_cpu[name]:.0f}% of it in those calls")
    for dtype in (np.float64, np.float32):
        seconds, cpu = timed_sweep(space, X, T, X_test, T_test, dtype, 2)
        rows.append([f"nncore sweep with a 100-row test set every epoch, {np.dtype(dtype).name}, "
                     "2 cores", f"{seconds:.1f}", f"{cpu:.1f} CPU s"])
    base_seconds = wall["float64", 2]
    sample = runs[:: max(1, len(runs) // args.sample)]
    scale = len(runs) / len(sample)
    baselines = [("nncore.train, one run after another", lambda: nncore_runs(sample, X, T))]
    if _common.optional("sklearn") is not None:
        baselines.append(("scikit-learn MLPRegressor, one after another", lambda: sklearn_runs(sample, X, T)))
    torch = _common.optional("torch")
    if torch is not None:
        baselines.append(("PyTorch autograd, one after another", lambda: torch_runs(torch, sample, X, T)))
    for name, fn in baselines:
        seconds = timed(fn)[0] * scale
        rows.append([f"{name} (×{scale:.0f} from {len(sample)} runs)", f"{seconds:.1f}",
                     f"{seconds / base_seconds:.1f}× the 2-core float64 sweep"])
    print(f"\nLoad average after: {os.getloadavg()[0]:.1f}")
    print("\nReference sweep (600 runs × 1000 epochs):\n")
    print(_common.markdown_table(["implementation", "seconds", "notes"], rows))


if __name__ == "__main__":
    main()
