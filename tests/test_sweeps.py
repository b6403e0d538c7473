"""The sweep engine: stacked runs equal sequential ones, memory stays bounded, any executor
works, progress and cancellation behave, and the records and verdicts say the right thing."""
from __future__ import annotations

import math
import threading
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

import nncore
from nncore.stacked import RunSpec, train_stack
from nncore.sweep_work import (BUDGET_SECONDS, MULTIPLY_ADDS_PER_SECOND, STACK_STEP_SECONDS,
                               chunk_bytes, plan_chunks)
from nncore.synthetic import make_moons


@pytest.fixture(scope="module")
def boston():
    preset = nncore.presets.seed_001()
    return preset.X_train, preset.T_train


def sequential_parameters(spec, X, T, X_test=None, T_test=None):
    net = spec.build()
    result = nncore.train(net, X, T, spec.config, X_test=X_test, T_test=T_test)
    return net.buffer().values, result


STACK_CASES = {
    "sgd, learning rates up to divergence": (
        dict(sizes=(3, 8, 1)), nncore.TrainConfig(epochs=150),
        [dict(learning_rate=lr, seed=s) for lr in (0.01, 0.3, 80.0) for s in (0, 1)]),
    "per-network dropout, two tanh layers": (
        dict(sizes=(3, 8, 6, 1), activation="tanh"), nncore.TrainConfig(epochs=80, dropout=0.2),
        [dict(dropout=d, seed=s, learning_rate=0.05) for d in (0.1, 0.4) for s in (0, 1)]),
    "mini-batch adam with and without L2": (
        dict(sizes=(3, 5, 1)), nncore.TrainConfig(epochs=30, batch_size=64, optimizer="adam"),
        [dict(l2=l2, seed=s, learning_rate=0.01) for l2 in (0.0, 0.1) for s in (0, 1, 2)]),
    "ReLU with per-network dropout, the reference sweep's shape": (
        dict(sizes=(3, 16, 1)), nncore.TrainConfig(epochs=120),
        [dict(dropout=d, seed=s, learning_rate=lr) for d in (0.1, 0.3) for s in (0, 1)
         for lr in (0.01, 0.5)]),
    "tanh with dropout and DropConnect, one hidden layer": (
        dict(sizes=(3, 7, 1), activation="tanh"),
        nncore.TrainConfig(epochs=60, dropout=0.2, dropconnect=0.1, learning_rate=0.05),
        [dict(dropout=d, dropconnect=c, seed=s) for d in (0.1, 0.25) for c in (0.1, 0.3)
         for s in (0, 1)]),
    "ReLU with dropout, DropConnect and no bias, mini-batches": (
        dict(sizes=(3, 6, 1), bias=(False, True)),
        nncore.TrainConfig(epochs=20, dropout=0.2, dropconnect=0.1, batch_size=50),
        [dict(dropout=d, seed=s, learning_rate=0.02) for d in (0.15, 0.35) for s in (0, 1)]),
    "identity hidden layer with dropout": (
        dict(sizes=(3, 5, 1), activation="identity"), nncore.TrainConfig(epochs=40, dropout=0.3),
        [dict(seed=s, learning_rate=lr) for s in (0, 1) for lr in (0.001, 0.01)]),
    "DropConnect, momentum, step schedule, no bias": (
        dict(sizes=(3, 4, 1), bias=False),
        nncore.TrainConfig(epochs=60, dropconnect=0.2, optimizer="momentum", schedule="step",
                           lr_step=20, learning_rate=0.01),
        [dict(dropconnect=d, seed=s) for d in (0.1, 0.5) for s in (0, 1)]),
}


@pytest.mark.parametrize("case", sorted(STACK_CASES))
def test_stacked_training_equals_sequential_runs(boston, case):
    X, T = boston
    network, config, variants = STACK_CASES[case]
    specs = [RunSpec(config=config.replace(**v), **network) for v in variants]
    records = train_stack(specs, X, T, X[:100], T[:100])
    for spec, record in zip(specs, records):
        params, result = sequential_parameters(spec, X, T, X[:100], T[:100])
        assert np.max(np.abs(params - record.parameters)) <= 1e-12
        assert record.diverged == result.diverged
        assert record.diverged_epoch == result.diverged_epoch
        assert record.final_train_loss == pytest.approx(result.final_train_loss, rel=1e-9)
        assert record.final_test_loss == pytest.approx(result.final_test_loss, rel=1e-9)
        assert record.epochs_run == result.epochs_run


@pytest.mark.parametrize("loss,output,classes", [("ce", "softmax", 2), ("bce", "sigmoid", 1)])
def test_stacked_classification_equals_sequential(loss, output, classes):
    X, y = make_moons(160, noise=0.2, seed=3)
    config = nncore.TrainConfig(loss=loss, epochs=40, learning_rate=0.2, batch_size=40,
                                dropout=0.1, optimizer="rmsprop")
    specs = [RunSpec(sizes=(2, 6, classes), output=output, config=config.replace(seed=s))
             for s in (0, 1, 2)]
    records = train_stack(specs, X, y, X[:40], y[:40])
    for spec, record in zip(specs, records):
        params, result = sequential_parameters(spec, X, y, X[:40], y[:40])
        assert np.max(np.abs(params - record.parameters)) <= 1e-12
        assert record.final_test_metric == pytest.approx(result.final_test_metric)


def test_dropout_stacks_reproduce_each_runs_masks_bit_for_bit(boston):
    """float64 stacks of the reference sweep's shape give exactly the weights of single runs."""
    X, T = boston
    specs = [RunSpec(sizes=(3, 12, 1),
                     config=nncore.TrainConfig(epochs=50, dropout=d, learning_rate=0.05, seed=s))
             for d in (0.1, 0.3) for s in range(3)]
    records = train_stack(specs, X, T, X[:100], T[:100])
    for spec, record in zip(specs, records):
        params, result = sequential_parameters(spec, X, T, X[:100], T[:100])
        assert np.array_equal(params, record.parameters)
        assert record.test_curve == pytest.approx(result.history.test_loss, rel=1e-12)


def test_chunks_are_even_and_dealt_costliest_first():
    config = nncore.TrainConfig(epochs=100)
    specs = [RunSpec(sizes=(3, w, 1), config=config.replace(seed=s, dropout=d))
             for w in (4, 64) for d in (0.0, 0.2) for s in range(20)]
    chunks = plan_chunks(specs, 506, 100)
    for group in ({(4, 0.0)}, {(64, 0.2)}):
        sizes = [len(c) for c in chunks if (specs[c[0]].sizes[1], specs[c[0]].config.dropout)
                 in group]
        assert max(sizes) - min(sizes) <= 1
    widths = [specs[c[0]].sizes[1] for c in chunks]
    assert widths[0] == 64 and widths[-1] == 4
    assert sorted(i for c in chunks for i in c) == list(range(len(specs)))


def test_runs_of_different_shapes_cannot_share_a_stack(boston):
    X, T = boston
    specs = [RunSpec(sizes=(3, 4, 1)), RunSpec(sizes=(3, 5, 1))]
    with pytest.raises(ValueError, match="stack_key"):
        train_stack(specs, X, T)


MEMORY_CASES = {
    "many samples, dropout": ((3, 32, 32, 1), 12, 506, dict(dropout=0.2)),
    "many parameters, DropConnect, L2, patience": (
        (3, 256, 256, 1), 2, 60, dict(dropconnect=0.2, l2=1e-3, batch_size=16, patience=3,
                                  learning_rate=1e-4)),
}


@pytest.mark.parametrize("case", sorted(MEMORY_CASES))
def test_chunk_memory_estimate_bounds_what_training_allocates(boston, case):
    sizes, k, rows, settings = MEMORY_CASES[case]
    X, T = (a[:rows] for a in boston)
    config = nncore.TrainConfig(epochs=20, optimizer="adam", **settings)
    specs = [RunSpec(sizes=sizes, activation="tanh", config=config.replace(seed=s))
             for s in range(k)]
    tracemalloc.start()
    try:
        train_stack(specs, X, T, X[:50], T[:50], curve_points=100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= chunk_bytes(specs[0], len(specs), len(X), 50, curve_points=100)


def test_plan_keeps_every_chunk_within_the_memory_budget():
    config = nncore.TrainConfig(epochs=100)
    specs = [RunSpec(sizes=(3, w, 1), config=config.replace(seed=s, learning_rate=lr))
             for w in (4, 64) for s in range(10) for lr in (0.01, 0.1)]
    budget = 4 * 2**20
    chunks = plan_chunks(specs, 506, 100, memory_budget=budget)
    assert sorted(i for c in chunks for i in c) == list(range(len(specs)))
    for chunk in chunks:
        widths = {specs[i].sizes for i in chunk}
        assert len(widths) == 1                          # one shape per stack
        if len(chunk) > 1:
            assert chunk_bytes(specs[chunk[0]], len(chunk), 506, 100) <= budget
    assert max(len(c) for c in chunks) > 1               # stacking actually happens


def small_space(epochs=30, seeds=(0, 1, 2)):
    base = RunSpec(sizes=(3, 8, 1), config=nncore.TrainConfig(epochs=epochs))
    return nncore.SweepSpace(base, {"learning_rate": nncore.log_space(1e-3, 1e-1, 3),
                                    "hidden_width": (4, 8)}, seeds=seeds)


def test_grid_covers_every_combination_times_seeds():
    space = small_space()
    runs = space.runs()
    assert len(runs) == 3 * 2 * 3
    widths = {spec.sizes[1] for _, spec in runs}
    assert widths == {4, 8}
    assert {round(spec.config.learning_rate, 12) for _, spec in runs} == \
        {round(v, 12) for v in (1e-3, 1e-2, 1e-1)}


def test_random_search_respects_budget_and_ranges():
    space = small_space()
    configs = space.sample(25, seed=4)
    assert len(configs) == 25
    rates = np.array([c["learning_rate"] for c in configs])
    assert rates.min() >= 1e-3 and rates.max() <= 1e-1
    assert len(set(rates)) == 25                          # drawn, not picked from the grid
    assert {c["hidden_width"] for c in configs} <= {4, 8}
    assert space.sample(25, seed=4) == configs            # seeded


def test_random_search_over_listed_values_never_repeats_a_configuration():
    """Six draws from a grid of four: every configuration once, then no more (a repeat would be
    the same seeded runs trained twice, counted as extra seeds)."""
    base = RunSpec(sizes=(2, 8, 1), config=nncore.TrainConfig(epochs=5))
    space = nncore.SweepSpace(base, {"hidden_width": (4, 8), "dropout": (0.0, 0.2)}, seeds=(0, 1))
    grid = space.grid()
    three = space.sample(3, seed=0)
    assert len(three) == 3 and all(c in grid for c in three)
    assert len({tuple(sorted(c.items())) for c in three}) == 3
    everything = space.sample(6, seed=0)
    assert sorted(map(str, everything)) == sorted(map(str, grid))
    assert space.sample(3, seed=0) == three and space.sample(3, seed=1) != three
    repeated = nncore.SweepSpace(base, {"learning_rate": (0.1, 0.1), "hidden_width": (4, 8, 4)})
    assert repeated.axes == {"learning_rate": (0.1,), "hidden_width": (4, 8)}
    assert len(repeated.grid()) == 2 and len(repeated.sample(6)) == 2
    huge = nncore.SweepSpace(base, {name: tuple(range(1, 21)) for name in
                                    ("hidden_width", "l2", "batch_size", "epochs", "n_layers")})
    picks = huge.sample(20, seed=0)                      # 3.2 million combinations, none built
    assert len({tuple(sorted(c.items())) for c in picks}) == 20
    assert all(set(c) == set(huge.axes) and all(1 <= v <= 20 for v in c.values()) for c in picks)


def test_layer_axes_carry_per_layer_settings_over_or_say_why_not():
    from nncore.sweep_space import apply_settings
    mixed = RunSpec(sizes=(3, 8, 8, 1), activation=("tanh", "relu"), bias=(True, False, True),
                    config=nncore.TrainConfig(dropout=(0.1, 0.2)))
    wider = apply_settings(mixed, {"hidden_width": 16})          # same depth: all kept
    assert wider.sizes == (3, 16, 16, 1) and wider.activation == ("tanh", "relu")
    assert wider.bias == (True, False, True) and wider.config.dropout == (0.1, 0.2)
    wider.build()
    with pytest.raises(ValueError, match="different activation per layer"):
        apply_settings(mixed, {"n_layers": 3})
    uniform = RunSpec(sizes=(3, 8, 8, 1), activation=("tanh", "tanh"), bias=(True, True, True),
                      config=nncore.TrainConfig(dropout=(0.2, 0.2)))
    deeper = apply_settings(uniform, {"n_layers": 3})
    assert deeper.sizes == (3, 8, 8, 8, 1) and deeper.activation == "tanh"
    assert deeper.bias is True and deeper.config.dropout == 0.2
    assert deeper.build().arch.n_layers == 4
    flat = RunSpec(sizes=(3, 1))
    with pytest.raises(ValueError, match="hidden_width axis needs hidden layers"):
        apply_settings(flat, {"hidden_width": 8})
    assert apply_settings(flat, {"hidden_width": 8, "n_layers": 2}).sizes == (3, 8, 8, 1)
    assert apply_settings(uniform, {"hidden_width": 8, "n_layers": 0}).sizes == (3, 1)
    with pytest.raises(ValueError, match="gives no activation to repeat"):
        apply_settings(RunSpec(sizes=(3, 1), activation=()), {"n_layers": 2})


def test_sweep_rows_and_aggregate_match_the_records(boston):
    X, T = boston
    result = nncore.run_sweep(small_space(), X, T, X[:100], T[:100], workers=1)
    rows = result.rows()
    assert len(rows) == 18 and not result.cancelled
    assert {"learning_rate", "hidden_width", "seed", "final_test_loss", "best_epoch",
            "diverged"} <= set(rows[0])
    for agg in result.aggregate():
        mine = [r["final_test_loss"] for r in rows
                if r["learning_rate"] == agg["learning_rate"]
                and r["hidden_width"] == agg["hidden_width"]]
        assert agg["runs"] == 3
        assert agg["mean"] == pytest.approx(np.mean(mine))
        assert agg["std"] == pytest.approx(np.std(mine, ddof=1))
        assert agg["min"] == min(mine) and agg["max"] == max(mine)


@pytest.mark.parametrize("optimizer, lr, train_rows, best_inside",
                         [("sgd", 0.005, slice(None), False), ("adam", 0.05, slice(100, 140), True)])
def test_best_epoch_points_at_the_smallest_test_loss(boston, optimizer, lr, train_rows,
                                                     best_inside):
    """The candidates are the weights each epoch started with (the test curve) and the final
    ones (the final test loss): a slow run is best at its end, an overfitting one inside."""
    X, T = boston
    config = nncore.TrainConfig(epochs=60, learning_rate=lr, optimizer=optimizer)
    spec = RunSpec(sizes=(3, 8, 1), config=config)
    X_train, T_train = X[train_rows], T[train_rows]
    record = train_stack([spec], X_train, T_train, X[:100], T[:100], curve_points=60)[0]
    _, result = sequential_parameters(spec, X_train, T_train, X[:100], T[:100])
    candidates = [*result.history.test_loss, result.final_test_loss]
    assert record.best_epoch == int(np.argmin(candidates)) + 1
    assert (record.best_epoch <= 60) == best_inside
    assert record.best_test_loss == pytest.approx(min(candidates), rel=1e-12)
    assert np.allclose(record.test_curve, result.history.test_loss)    # 60 points: none dropped


def test_curves_are_downsampled_to_the_requested_points(boston):
    X, T = boston
    spec = RunSpec(sizes=(3, 4, 1), config=nncore.TrainConfig(epochs=500))
    record = train_stack([spec], X, T, curve_points=50)[0]
    assert len(record.curve_epochs) == 50
    assert record.curve_epochs[0] == 1 and record.curve_epochs[-1] == 500


def test_thread_pool_executor_gives_the_same_records(boston):
    X, T = boston
    here = nncore.run_sweep(small_space(), X, T, workers=1)
    with ThreadPoolExecutor(2) as pool:
        there = nncore.run_sweep(small_space(), X, T, executor=pool)
    for a, b in zip(here.records, there.records):
        assert np.array_equal(a.parameters, b.parameters)


def test_dask_distributed_executor_works_unchanged(boston):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    X, T = boston
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = nncore.run_sweep(small_space(epochs=10), X, T, executor=client.get_executor())
    here = nncore.run_sweep(small_space(epochs=10), X, T, workers=1)
    assert len(result.records) == len(here.records)
    for a, b in zip(here.records, result.records):
        assert np.array_equal(a.parameters, b.parameters)


def test_progress_counts_up_to_the_total(boston):
    X, T = boston
    seen = []
    nncore.run_sweep(small_space(), X, T, workers=1, progress=seen.append)
    assert seen[-1].runs_done == seen[-1].runs_total == 18
    assert seen[-1].epochs_done == seen[-1].epochs_total == 18 * 30
    done = [p.runs_done for p in seen]
    assert done == sorted(done)


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_keeps_completed_runs_only(boston, workers):
    X, T = boston
    cancel = threading.Event()
    base = RunSpec(sizes=(3, 8, 1), config=nncore.TrainConfig(epochs=400))
    space = nncore.SweepSpace(base, {"hidden_width": (4, 8, 16, 32, 48, 64)}, seeds=range(4))

    def stop_after_first(progress):
        if progress.runs_done > 0:
            cancel.set()

    result = nncore.run_sweep(space, X, T, workers=workers, progress=stop_after_first,
                              cancel=cancel)
    assert result.cancelled
    assert 0 < len(result.records) < result.runs_total
    for record in result.records:
        assert record.epochs_run == 400                   # only finished runs are kept


def test_float32_mode_is_close_to_float64(boston):
    X, T = boston
    specs = [RunSpec(sizes=(3, 16, 1), config=nncore.TrainConfig(epochs=200, seed=s))
             for s in range(4)]
    wide = train_stack(specs, X, T, dtype=np.float64)
    narrow = train_stack(specs, X, T, dtype=np.float32)
    for a, b in zip(wide, narrow):
        assert b.final_train_loss == pytest.approx(a.final_train_loss, rel=1e-3)
        assert not np.array_equal(a.parameters, b.parameters)   # it really ran in float32


def test_verdict_calls_a_winner_only_beyond_the_noise():
    rng = np.random.default_rng(0)
    clear = nncore.compare_runs(1.0 + 0.01 * rng.standard_normal(5),
                                2.0 + 0.01 * rng.standard_normal(5), name_a="lr 0.1",
                                name_b="lr 1")
    assert clear.winner == "a" and "lr 0.1 beats lr 1" in clear.sentence
    noisy = nncore.compare_runs(1.00 + 0.5 * rng.standard_normal(5),
                                1.02 + 0.5 * rng.standard_normal(5))
    assert noisy.winner is None and "within the seed-to-seed noise" in noisy.sentence
    higher = nncore.compare_runs([0.9, 0.91, 0.92], [0.5, 0.52, 0.49], lower_is_better=False)
    assert higher.winner == "a"
    lonely = nncore.compare_runs([1.0], [2.0, 2.1])
    assert lonely.winner is None and "at least two seeds" in lonely.sentence


@pytest.mark.parametrize("seeds, low, high", [(2, 0.005, 0.05), (4, 0.025, 0.075)])
def test_verdict_calls_equal_configs_different_at_most_about_5_percent_of_the_time(seeds, low,
                                                                                    high):
    """Both configs' scores come from one normal distribution, so every "winner" is a false
    alarm. Welch's test raises it about 5% of the time, a little less with two seeds each
    (about 2%: it is cautious there); a fixed 2× threshold would raise it 18% (2 seeds) or 9.5%
    (4 seeds) of the time. With 1500 trials the bounds are about 4σ from those rates."""
    rng = np.random.default_rng(seeds)
    trials = 1500
    alarms = sum(nncore.compare_runs(rng.standard_normal(seeds), rng.standard_normal(seeds)).winner
                 is not None for _ in range(trials))
    assert low <= alarms / trials <= high


def test_verdict_survives_spreads_whose_squares_overflow():
    huge = nncore.compare_runs([1e200, -1e200], [0.0, 1.0])
    assert huge.winner is None and "within the seed-to-seed noise" in huge.sentence
    assert huge.noise == pytest.approx(1e200)          # √(s²/n + …) = √(2e400 / 2 + 0.5 / 2)
    scaled = nncore.compare_runs([1e160, 2e160], [0.0, 1e160])
    plain = nncore.compare_runs([1.0, 2.0], [0.0, 1.0])
    assert scaled.winner == plain.winner and scaled.noise == pytest.approx(plain.noise * 1e160)


def test_verdict_states_the_threshold_its_seeds_need():
    """Two seeds with equal spreads: the noise is √(0.02/2 + 0.02/2), Welch's ν = 2 and
    Student's 97.5% point 4.30 (closed form)."""
    verdict = nncore.compare_runs([1.0, 1.2], [2.0, 2.2])
    assert verdict.noise == pytest.approx(math.sqrt(0.02))
    assert verdict.winner == "a" and "4.3 times is enough" in verdict.sentence
    close = nncore.compare_runs([1.0, 1.2], [1.5, 1.7])            # 3.5 × the noise
    assert close.winner is None and "exceed 4.3 times" in close.sentence


def test_work_estimate_counts_runs_epochs_and_products():
    space, X, T, X_test, _ = nncore.presets.classroom_sweep()
    specs = [spec for _, spec in space.runs()]
    work = nncore.estimate_work(specs, len(X), len(X_test))
    assert work.runs == 180 and work.epochs == 180 * 300
    one = specs[0]                                   # 2 → h → 1: (3·h + (h+1)·1) per row
    h = one.sizes[1]
    per_row = 3 * h + (h + 1)
    assert nncore.estimate_work([one], 150, 50).multiply_adds == 300 * per_row * (3 * 150 + 50)
    assert nncore.budget_problem(work) is None        # the classroom default fits


def test_a_sweep_beyond_the_budget_is_refused_in_plain_words():
    base = RunSpec(sizes=(3, 64, 64, 1), config=nncore.TrainConfig(epochs=5000))
    space = nncore.SweepSpace(base, {"learning_rate": nncore.log_space(1e-4, 1, 10),
                                     "dropout": (0.0, 0.1, 0.2, 0.3)}, seeds=range(10))
    work = nncore.estimate_work([s for _, s in space.runs()], 506, 100)
    message = nncore.budget_problem(work)
    assert message is not None and "too large" in message and "400 runs" in message
    assert "the limit is 30 s" in message


def test_the_budget_is_the_classroom_servers_30_seconds_and_the_classroom_sweep_fits():
    """The classroom sweep: 3 widths × dropout on and off make 6 stacks of 30 runs (one chunk
    each, well within 512 units and the memory budget), each 300 full-batch steps."""
    assert BUDGET_SECONDS == 30.0
    space, X, T, X_test, _ = nncore.presets.classroom_sweep()
    specs = [spec for _, spec in space.runs()]
    work = nncore.estimate_work(specs, len(X), len(X_test))
    stacks = {(spec.sizes, spec.config.dropout > 0) for spec in specs}
    assert len(stacks) == 6
    products = sum(300 * (3 * s.sizes[1] + s.sizes[1] + 1) * (3 * len(X) + len(X_test))
                   for s in specs)
    expected = products / MULTIPLY_ADDS_PER_SECOND + 6 * 300 * STACK_STEP_SECONDS
    assert work.seconds == pytest.approx(expected, rel=1e-12)
    assert work.seconds <= BUDGET_SECONDS and nncore.budget_problem(work) is None


def test_the_estimate_counts_a_fixed_cost_for_every_step_of_every_stack():
    """Mini-batches add steps, not multiply-adds: 150 rows in batches of 32 are 5 steps an
    epoch instead of 1. Two widths are two stacks; the seeds of one width share their steps."""
    base = nncore.TrainConfig(epochs=40)
    full = [RunSpec(sizes=(2, w, 1), config=base.replace(seed=s)) for w in (4, 8) for s in (0, 1)]
    batched = [replace(spec, config=spec.config.replace(batch_size=32)) for spec in full]
    one, many = nncore.estimate_work(full, 150, 50), nncore.estimate_work(batched, 150, 50)
    assert many.multiply_adds == one.multiply_adds
    assert one.seconds == pytest.approx(one.multiply_adds / MULTIPLY_ADDS_PER_SECOND
                                        + 2 * 40 * 1 * STACK_STEP_SECONDS, rel=1e-12)
    assert many.seconds - one.seconds == pytest.approx(2 * 40 * (5 - 1) * STACK_STEP_SECONDS,
                                                       rel=1e-9)


def test_steps_alone_can_put_a_sweep_beyond_the_budget():
    """The classroom sweep in batches of one row: the same multiply-adds, 150 steps an epoch in
    each of its 6 stacks, 6 × 300 × 150 × 0.4 ms = 108 s."""
    space, X, T, X_test, _ = nncore.presets.classroom_sweep()
    specs = [spec for _, spec in space.runs()]
    single = [replace(s, config=s.config.replace(batch_size=1)) for s in specs]
    full = nncore.estimate_work(specs, len(X), len(X_test))
    rowwise = nncore.estimate_work(single, len(X), len(X_test))
    assert rowwise.multiply_adds == full.multiply_adds
    assert rowwise.seconds == pytest.approx(rowwise.multiply_adds / MULTIPLY_ADDS_PER_SECOND
                                            + 6 * 300 * 150 * STACK_STEP_SECONDS, rel=1e-12)
    assert "too large" in nncore.budget_problem(rowwise)


def test_names_that_moved_out_of_sweeps_are_still_found_there():
    """Code written against ``nncore.sweeps`` keeps working: each name there is the very object
    of the module it lives in now."""
    import nncore.compare, nncore.executors, nncore.sweep_results, nncore.sweep_work, nncore.sweeps
    homes = {"run_specs": nncore.executors, "SweepProgress": nncore.executors,
             "SweepResult": nncore.sweep_results, "Verdict": nncore.compare,
             "compare_runs": nncore.compare, "plan_chunks": nncore.sweep_work,
             "chunk_bytes": nncore.sweep_work, "MEMORY_BUDGET": nncore.sweep_work,
             "SweepWork": nncore.sweep_work, "estimate_work": nncore.sweep_work,
             "budget_problem": nncore.sweep_work, "BUDGET_SECONDS": nncore.sweep_work,
             "MULTIPLY_ADDS_PER_SECOND": nncore.sweep_work}
    assert set(nncore.sweeps.__all__) == set(homes) | {"run_sweep"}
    for name, home in homes.items():
        assert getattr(nncore.sweeps, name) is getattr(home, name), name
    for name in set(homes) & set(nncore.__all__):                 # and at the top level
        assert getattr(nncore, name) is getattr(homes[name], name), name


# -- the app's side: random search, its cost, the verdict's scores and the edge notes -----------

def _app_sweep(**changes):
    from labapp.compute import prepare, sweep_setup
    from labapp.settings.page_settings import SweepSettings
    settings = SweepSettings(**{"seeds": 2, "epochs": 20, "n_samples": 100, **changes})
    ready = prepare.prepare(_load(sweep_setup.data_settings(settings)))
    return settings, ready, sweep_setup.space(settings, ready.X_train.shape[1])


def _load(data):
    from labapp.data.lab_table import load_table
    return load_table(data, None)


def test_a_random_search_space_runs_exactly_its_drawn_configurations():
    from labapp.compute import sweep_setup
    settings, ready, space = _app_sweep(search="random", budget=7, axes=("lr", "width"),
                                        learning_rates=(0.01, 1.0), widths=(2, 4, 8))
    assert isinstance(space, sweep_setup.SampledSpace) and len(space.configs) == 7
    # the same draw as the engine's, each learning rate to three significant digits
    engine = nncore.SweepSpace(space.base, space.axes, space.seeds)\
        .sample(7, seed=sweep_setup.DRAW_SEED)
    assert [c["hidden_width"] for c in space.configs] == [c["hidden_width"] for c in engine]
    assert [c["learning_rate"] for c in space.configs] == \
        [float(f"{c['learning_rate']:.3g}") for c in engine]
    assert all(0.01 <= c["learning_rate"] <= 1.0 for c in space.configs)
    result = sweep_setup.run_sweep_on(ready, space)
    ran = {tuple(s[a] for a in result.axes) for s in result.settings}
    assert ran == {tuple(c.values()) for c in space.configs}
    assert result.runs_total == len(result.records) == 7 * 2


def test_the_cost_counts_the_drawn_runs_not_the_grid():
    from labapp.compute.sweep_cost import cost
    _, ready, grid = _app_sweep(axes=("lr", "width", "dropout"))
    _, _, drawn = _app_sweep(axes=("lr", "width", "dropout"), search="random", budget=5)
    n = len(ready.X_train), len(ready.X_test)
    whole, sampled = cost(grid, *n), cost(drawn, *n)
    assert (whole.configs, whole.runs, whole.grid) == (6 * 3 * 2, 6 * 3 * 2 * 2, 36)
    assert (sampled.configs, sampled.runs, sampled.grid) == (5, 10, 36)
    assert sampled.epochs == 10 * 20 and sampled.seconds < whole.seconds
    # a random search over listed values never draws more than the grid holds
    _, _, small = _app_sweep(axes=("width",), widths=(2, 4), search="random", budget=50)
    assert cost(small, *n).configs == 2


def test_a_random_search_beyond_the_budget_is_refused_by_its_drawn_runs():
    from labapp.compute.sweep_cost import cost
    big = dict(axes=("lr", "width"), learning_rates=(0.001, 1.0), widths=(64,), seeds=10,
               epochs=2000, n_samples=1000)
    _, ready, few = _app_sweep(**big, search="random", budget=2)
    _, _, many = _app_sweep(**big, search="random", budget=200)
    n = len(ready.X_train), len(ready.X_test)
    assert cost(few, *n).problem is None
    assert "too large" in cost(many, *n).problem


def _table(rows):
    import pandas as pd
    return pd.DataFrame(rows)


def test_the_verdict_plots_exactly_the_seed_scores_it_compares():
    from labapp.compute import sweep_tables, sweep_verdict
    settings, ready, space = _app_sweep(axes=("lr",), learning_rates=(0.01, 0.3, 1.0), seeds=3)
    from labapp.compute import sweep_setup
    result = sweep_setup.run_sweep_on(ready, space)
    table = sweep_tables.summary(result)
    pair = sweep_verdict.pair_scores(result, table)
    ranked = table.sort_values("test_mean")
    scores = result.scores("final_test_loss")
    for role, (_, row) in zip(("best", "runner-up"), ranked.head(2).iterrows()):
        shown = pair[pair["role"] == role]
        assert (shown["config"] == row["config"]).all()
        assert shown["loss"].tolist() == scores[(row["learning_rate"],)].tolist()
        assert shown["loss"].mean() == pytest.approx(row["test_mean"])
    one = sweep_tables.summary(sweep_setup.run_sweep_on(
        ready, _app_sweep(axes=("lr",), learning_rates=(0.3,))[2]))
    assert sweep_verdict.pair_scores(result, one).empty


@pytest.mark.parametrize("axis, values, best, expected", [
    ("learning_rate", (0.01, 0.1, 1.0), 1.0, "is the largest value swept"),
    ("learning_rate", (0.01, 0.1, 1.0), 0.01, "is the smallest value swept"),
    ("learning_rate", (0.01, 0.1, 1.0), 0.1, None),
    ("learning_rate", (0.01, 10.0), 10.0, None),          # the most a link allows
    ("dropout", (0.0, 0.2), 0.0, None),                   # cannot go below 0
    ("dropout", (0.0, 0.2), 0.2, "extend the range above 0.2"),
    ("batch_size", (0, 16, 64), 0, None),                 # the full batch is the largest
    ("batch_size", (0, 16, 64), 16, "extend the range below 16"),
    ("hidden_width", (2, 4, 8), 8, "hidden units (8) is the largest value swept"),
])
def test_an_edge_note_says_which_way_to_extend(axis, values, best, expected):
    from labapp.compute import sweep_verdict
    from labapp.settings.page_settings import SWEEP_AXES, SweepSettings
    name, field = next((n, f) for n, (a, f) in SWEEP_AXES.items() if a == axis)
    settings = SweepSettings(axes=(name,), **{field: values})
    others = [v for v in values if v != best]
    table = _table({axis: [best, *others], "test_mean": [0.1] + [0.2] * len(others),
                    "config": ["best", *others]})
    notes = sweep_verdict.edge_notes(settings, table)
    if expected is None:
        assert notes == []
    else:
        assert len(notes) == 1 and expected in notes[0]


def test_a_random_learning_rate_near_an_end_of_its_range_gets_the_note():
    from labapp.compute import sweep_verdict
    from labapp.settings.page_settings import SweepSettings
    settings = SweepSettings(axes=("lr",), learning_rates=(0.01, 1.0), search="random")
    # log place of 0.7 in 0.01–1: (ln 0.7 − ln 0.01) / (ln 1 − ln 0.01) ≈ 0.92, past 0.9
    near = _table({"learning_rate": [0.7, 0.1], "test_mean": [0.1, 0.2], "config": ["a", "b"]})
    assert "near the top of the range drawn: a better one may lie beyond it, so extend the " \
           "range above 1" in sweep_verdict.edge_notes(settings, near)[0]
    # 0.5 sits at ≈ 0.85: inside
    inside = near.assign(learning_rate=[0.5, 0.1])
    assert sweep_verdict.edge_notes(settings, inside) == []


def test_a_guess_is_matched_to_the_nearest_choice_of_a_drawn_learning_rate():
    from labapp.compute import sweep_verdict
    table = _table({"learning_rate": [0.0871, 0.5], "test_mean": [0.1, 0.2],
                    "config": ["a", "b"]})
    options = (0.01, 0.0631, 0.158)          # 0.0871 is nearer 0.0631 than 0.158 on a log scale
    right = sweep_verdict.guess_outcome("learning_rate", 0.0631, table, options)
    wrong = sweep_verdict.guess_outcome("learning_rate", 0.158, table, options)
    assert right.right and "nearest of the choices to 0.0631" in right.sentence
    assert not wrong.right
