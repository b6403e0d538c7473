"""Engine arguments: the cases of issue #13, then a fuzz suite over every way in.

The property, for ``MLP(...)``, ``TrainConfig(...)``, ``train(...)`` and the estimators' ``fit``
fed good and bad values alike (wrong types, NaN and ∞, negative and huge numbers, empty and
mismatched arrays, complex, object and text arrays): each call either succeeds, with finite
weights and, on data whose losses fit in a float, finite losses unless the run says it
diverged, or raises ``ValueError``/``TypeError`` whose message is a plain sentence. Any other
exception (IndexError, AttributeError, a NumPy broadcasting error, a RuntimeWarning, which
pytest.ini turns into an error) fails the test. What the fuzz found stays as explicit cases,
before the fuzz suite.

Hypothesis runs derandomized (the same examples every run) with a bounded number of examples
on tiny networks, so the file stays within a few seconds.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nncore
from nncore.activations import HIDDEN, OUTPUTS

from conftest import LOSS_OUTPUTS

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=150,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

INTERNAL_WORDS = ("got ()", "unhashable", "not iterable", "not supported between",
                  "has no attribute", "truth value of an array", "could not broadcast",
                  "index out of", "object is not callable", "positional argument")


def assert_plain_sentence(error: Exception) -> None:
    """A message a student can read: one or a few sentences of ours, not Python's internals."""
    text = str(error)
    assert text and text[0] != " " and text.endswith("."), text
    assert not any(word in text for word in INTERNAL_WORDS), text


def attempt(call):
    """``call()``'s result, or None after a ValueError/TypeError with a plain sentence."""
    try:
        result = call()
    except (ValueError, TypeError) as error:
        assert_plain_sentence(error)
        event(f"refused with {type(error).__name__}")      # --hypothesis-show-statistics
        return None
    event("succeeded")
    return result


def small_problem(n=12, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, X @ np.arange(1.0, d + 1)


# ---------------------------------------------------------------- the cases of issue #13
@pytest.mark.parametrize("seed", [1.5, -1, True, "0", None, np.float64(2.0)])
def test_a_seed_that_is_not_a_whole_number_is_refused_not_truncated(seed):
    with pytest.raises(ValueError, match="seed must be a whole number ≥ 0"):
        nncore.MLP([2, 3, 1], seed=seed)
    with pytest.raises(ValueError, match="seed must be a whole number ≥ 0"):
        nncore.TrainConfig(seed=seed)


def test_numpy_integers_are_seeds_and_sizes_like_python_ints():
    ours = nncore.MLP([np.int64(2), np.int32(3), 1], seed=np.uint8(7))
    plain = nncore.MLP([2, 3, 1], seed=7)
    assert ours.sizes == (2, 3, 1) and type(ours.seed) is int
    assert all(type(s) is int for s in ours.sizes)
    for a, b in zip(ours.weights, plain.weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("sizes", [[2, 3.5, 1], [2, 3.0, 1], [2, True, 1], [2, "3", 1], "231",
                                   [2, 0, 1], [2, -3, 1], [[2, 3], 1], 5, None])
def test_layer_sizes_that_are_not_whole_numbers_are_refused(sizes):
    with pytest.raises(ValueError) as caught:
        nncore.MLP(sizes)
    assert_plain_sentence(caught.value)


def test_sizes_beyond_memory_are_refused_before_allocating():
    """Found by the fuzz suite: 10**30 epochs or units reached NumPy's allocator, which answered
    'Maximum allowed size exceeded' (or a MemoryError)."""
    with pytest.raises(ValueError, match="epochs must be a whole number from 0 to 1,000,000"):
        nncore.TrainConfig(epochs=10**30)
    with pytest.raises(ValueError, match="more than the 1e[+]09 nncore accepts"):
        nncore.MLP([2, 10**30, 1])
    with pytest.raises(ValueError, match="max_iter"):
        nncore.MLPRegressor(max_iter=10**30).fit(*small_problem())
    assert nncore.MLP([2, 1000, 1000, 1]).arch.n_params == 1_005_001


@pytest.mark.parametrize("where", ["X", "T", "X_test", "T_test"])
def test_complex_arrays_are_refused_with_a_sentence_not_a_complex_warning(where):
    X, T = small_problem()
    arrays = {"X": X, "T": T, "X_test": X[:4], "T_test": T[:4]}
    arrays[where] = arrays[where] + 0.5j
    net = nncore.MLP([3, 4, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")                     # a ComplexWarning would fail here
        with pytest.raises(ValueError, match=f"Complex data not supported: {where} holds"):
            nncore.train(net, arrays["X"], arrays["T"], nncore.TrainConfig(epochs=2),
                         X_test=arrays["X_test"], T_test=arrays["T_test"])
        with pytest.raises(ValueError, match="Complex data not supported"):
            net.forward(X + 1j)


@pytest.mark.parametrize("given, missing", [("X_test", "T_test"), ("T_test", "X_test")])
def test_a_test_set_needs_both_halves(given, missing):
    X, T = small_problem()
    net = nncore.MLP([3, 4, 1])
    test_set = {given: X[:4] if given == "X_test" else T[:4]}
    with pytest.raises(ValueError, match=f"come together: {given} was given without "
                                         f"{missing}") as caught:
        nncore.train(net, X, T, nncore.TrainConfig(epochs=2), **test_set)
    assert "()" not in str(caught.value)


def test_test_arrays_are_named_in_messages():
    X, T = small_problem()
    with pytest.raises(ValueError, match=r"Expected X_test of shape \(N, 3\), got an array of "
                                         r"shape \(4, 2\)"):
        nncore.train(nncore.MLP([3, 1]), X, T, X_test=X[:4, :2], T_test=T[:4])
    with pytest.raises(ValueError, match="T_test contains NaN"):
        nncore.train(nncore.MLP([3, 1]), X, T, X_test=X[:4], T_test=np.full(4, np.nan))


@pytest.mark.parametrize("arguments, kind, message", [
    (dict(net="an MLP"), TypeError, "net must be an nncore.MLP, not str"),
    (dict(config={"epochs": 3}), TypeError, "config must be an nncore.TrainConfig, not dict"),
    (dict(callback=3), TypeError, "callback must be a function"),
    (dict(callback_every=2.5), ValueError, "callback_every must be a whole number"),
    (dict(callback_every=0), ValueError, "callback_every must be a whole number")])
def test_train_refuses_arguments_of_the_wrong_kind(arguments, kind, message):
    X, T = small_problem()
    call = dict(net=nncore.MLP([3, 1]), X=X, T=T, config=nncore.TrainConfig(epochs=2))
    call.update(arguments)
    with pytest.raises(kind, match=message):
        nncore.train(call.pop("net"), call.pop("X"), call.pop("T"), call.pop("config"), **call)


def test_a_dask_client_is_accepted_as_the_executor():
    """Passing the Client itself (not ``client.get_executor()``) used to fail with
    ``AttributeError: 'Future' object has no attribute '_condition'``."""
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    X, T = small_problem(n=30)
    base = nncore.RunSpec(sizes=(3, 4, 1), config=nncore.TrainConfig(epochs=5))
    space = nncore.SweepSpace(base, {"learning_rate": (0.01, 0.1)}, seeds=(0, 1))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = nncore.run_sweep(space, X, T, executor=client)
    here = nncore.run_sweep(space, X, T, workers=1)
    assert len(result.records) == len(here.records) == 4
    for a, b in zip(here.records, result.records):
        np.testing.assert_array_equal(a.parameters, b.parameters)


@pytest.mark.parametrize("executor", [object(), "dask", 4])
def test_something_that_is_no_executor_is_refused_naming_get_executor(executor):
    X, T = small_problem()
    space = nncore.SweepSpace(nncore.RunSpec(sizes=(3, 1)), {"learning_rate": (0.1,)}, (0,))
    with pytest.raises(TypeError, match=r"client\.get_executor\(\)"):
        nncore.run_sweep(space, X, T, executor=executor)


DIVERGING = {
    # The first loss is already ∞ (squares of 1e200 overflow): ∞ ≤ factor × ∞ let it pass.
    "first loss infinite": (np.full((3, 2), 1e200), nncore.TrainConfig(epochs=3), 1, 0),
    # Inputs of zero leave the loss finite while the penalty's steps grow the weights ×1e297
    # per epoch; the last step overflows them and no later loss was there to notice.
    "last step overflows": (np.zeros((3, 2)), nncore.TrainConfig(epochs=2, l2=1e300), 3, 2),
    # The last step leaves finite weights (a bias of -1e300) whose loss is ∞.
    "last loss infinite": (np.zeros((3, 2)), nncore.TrainConfig(epochs=1, learning_rate=1e300),
                           2, 1),
}


@pytest.mark.parametrize("case", sorted(DIVERGING))
def test_divergence_the_fuzz_found_is_flagged_alone_and_in_a_stack(case):
    """Found by test_fuzz_train: runs that ended with ∞ losses or weights, not flagged."""
    X, config, diverged_epoch, epochs_run = DIVERGING[case]
    spec = nncore.RunSpec(sizes=(2, 3, 1), config=config)
    net = spec.build()
    result = nncore.train(net, X, np.ones(3), config)
    assert result.diverged and result.diverged_epoch == diverged_epoch
    assert result.epochs_run == epochs_run and len(result.history.train_loss) == epochs_run
    assert np.isfinite(result.history.train_loss).all()
    assert all(np.isfinite(w).all() for w in net.weights)
    record = nncore.train_stack([spec], X, np.ones(3))[0]
    assert record.diverged and record.diverged_epoch == diverged_epoch
    np.testing.assert_array_equal(record.parameters, net.buffer().values)


# ---------------------------------------------------------------- strategies
# Each call starts from good arguments and breaks at most two of them, so that about half the
# calls succeed and every refusal comes from a few bad values at a time.
JUNK = st.one_of(
    st.none(), st.booleans(), st.text(max_size=3), st.floats(),
    st.complex_numbers(max_magnitude=10), st.integers(-3, 3),
    st.lists(st.integers(-2, 4), max_size=3), st.dictionaries(st.text(max_size=2), st.integers(),
                                                               max_size=1),
    st.sampled_from([np.int64(2), np.float64(0.5), np.array([1, 2]), np.bool_(True), object(),
                     0, -1, 0.0, 1e-300, 1e300, float("nan"), float("inf"), 10**30]))

NAMES = st.sampled_from(HIDDEN + OUTPUTS + tuple(nncore.LOSSES) + tuple(nncore.OPTIMIZERS) +
                        tuple(nncore.SCHEDULES) + tuple(nncore.INITIALIZERS) + ("bogus",))
BAD = st.one_of(JUNK, NAMES, st.lists(st.one_of(st.integers(-1, 4), st.floats(0, 4), NAMES),
                                      max_size=4))


def broken(good: dict, data) -> dict:
    """``good`` arguments with at most two replaced by bad values."""
    names = data.draw(st.lists(st.sampled_from(sorted(good)), max_size=2, unique=True),
                      label="broken")
    return {**good, **{name: data.draw(BAD, label=name) for name in names}}


def good_table(rows, columns):
    return hnp.arrays(np.float64, (rows, columns), elements=st.floats(-10, 10))


def bad_table(rows, columns):
    """Every kind of unusable (or barely usable) table."""
    return st.one_of(
        good_table(rows, columns).map(lambda a: a.tolist()),                 # plain lists: fine
        hnp.arrays(np.int64, (rows, columns), elements=st.integers(-5, 5)),  # integers: fine
        hnp.arrays(np.float64, (rows, columns), elements=st.floats(allow_subnormal=False)),
        hnp.arrays(np.float64, (rows, columns), elements=st.sampled_from([1e300, -1e300, 0.0])),
        hnp.arrays(np.complex128, (rows, columns), elements=st.complex_numbers(max_magnitude=9)),
        hnp.arrays(np.float64, st.tuples(st.integers(0, 4), st.integers(0, 4)),
                   elements=st.floats(-10, 10)),                             # any shape
        hnp.arrays(np.float64, st.sampled_from([(rows,), (), (rows, columns, 1)]),
                   elements=st.floats(-10, 10)),
        st.just(np.full((rows, columns), "a")), st.just(np.full((rows, columns), None)),
        st.just(np.full((rows, columns), {"a": 1})),
        st.just([[1.0, 2.0], [3.0]]), st.just(np.empty((0, columns))), JUNK)


def table(data, rows, columns, label, good=good_table):
    """Mostly a good ``(rows, columns)`` table, sometimes a bad one."""
    bad = data.draw(st.integers(0, 3), label=f"{label} is bad") == 0
    return data.draw((bad_table if bad else good)(rows, columns), label=label)


def class_targets(rows, columns):
    """0/1 targets for ``"bce"``, one-hot rows for ``"ce"`` (more than one column)."""
    labels = hnp.arrays(np.int64, (rows,), elements=st.integers(0, max(columns - 1, 1)))
    if columns == 1:
        return labels.map(lambda y: y[:, None].astype(np.float64))
    return labels.map(lambda y: np.eye(columns)[y])


# ---------------------------------------------------------------- the fuzz suite
MLP_ARGUMENTS = st.fixed_dictionaries({
    "sizes": st.lists(st.integers(1, 4), min_size=2, max_size=4),
    "activation": st.sampled_from(HIDDEN), "output": st.sampled_from(OUTPUTS),
    "bias": st.booleans(), "init": st.sampled_from(list(nncore.INITIALIZERS)),
    "seed": st.integers(0, 2**70)})


CONFIGS = st.fixed_dictionaries({
    "epochs": st.integers(0, 4), "optimizer": st.sampled_from(list(nncore.OPTIMIZERS)),
    "learning_rate": st.sampled_from([1e-3, 0.1, 10.0, 1e6, 1e300]),
    "batch_size": st.sampled_from([None, 1, 3, 100]), "dropout": st.sampled_from([0.0, 0.5]),
    "dropconnect": st.sampled_from([0.0, 0.3]), "l2": st.sampled_from([0.0, 1.0, 1e300]),
    "patience": st.sampled_from([None, 1]), "divergence_factor": st.sampled_from([1.5, 1e308]),
    "schedule": st.sampled_from(list(nncore.SCHEDULES)), "seed": st.integers(0, 2**70),
    "momentum": st.sampled_from([0.0, 0.9]), "lr_step": st.integers(1, 3),
    "min_delta": st.sampled_from([0.0, 1e300])})


def check_mlp(net):
    assert all(type(s) is int and s >= 1 for s in net.sizes) and type(net.seed) is int
    assert all(np.isfinite(w).all() for w in net.weights)
    assert nncore.MLP(**net.config()).config() == net.config()


def check_config(config):
    assert nncore.TrainConfig.from_dict(config.to_dict()) == config


CONSTRUCTORS = {"MLP": (nncore.MLP, MLP_ARGUMENTS, check_mlp),
                "TrainConfig": (nncore.TrainConfig, CONFIGS, check_config)}


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
@FUZZ
@given(data=st.data())
def test_fuzz_constructors(name, data):
    make, good, check = CONSTRUCTORS[name]
    arguments = broken(data.draw(good, label="good"), data)
    made = attempt(lambda: make(**arguments))
    if made is not None:
        check(made)


def moderate(*arrays) -> bool:
    """Data whose losses fit in a float: squares of 1e300 are ∞ before any training."""
    return all(np.abs(np.asarray(a, dtype=float)).max(initial=0) < 1e100 for a in arrays)


def assert_finite_or_flagged(result, net, data_is_moderate=True):
    """The network keeps finite weights; on moderate data, the losses recorded are finite
    unless the run says it diverged."""
    assert all(np.isfinite(w).all() for w in net.weights)
    if data_is_moderate and not result.diverged:
        assert np.isfinite(result.history.train_loss).all()
        assert np.isfinite(result.final_train_loss)


@FUZZ
@given(data=st.data(), pair=st.sampled_from(LOSS_OUTPUTS), settings=CONFIGS,
       rows=st.integers(0, 6), test_rows=st.integers(1, 3), which=st.sampled_from(
           ["none", "none", "both", "both", "X_test only", "T_test only"]))
def test_fuzz_train(data, pair, settings, rows, test_rows, which):
    loss, output = pair
    units = 2 if output == "softmax" else data.draw(st.integers(1, 2), label="units")
    net = nncore.MLP([2, 3, units], output=output, seed=0)
    targets = class_targets if loss in ("bce", "ce") else good_table
    X, T = table(data, rows, 2, "X"), table(data, rows, units, "T", targets)
    test = {}
    if which in ("both", "X_test only"):
        test["X_test"] = table(data, test_rows, 2, "X_test")
    if which in ("both", "T_test only"):
        test["T_test"] = table(data, test_rows, units, "T_test", targets)
    config = nncore.TrainConfig(loss=loss, **settings)
    result = attempt(lambda: nncore.train(net, X, T, config, **test))
    if result is not None:
        assert_finite_or_flagged(result, net, moderate(X, T))
        # Divergence is judged on the training loss (README), so a test loss may be ∞ when
        # weights grew where the training inputs are zero; it is recorded, epoch by epoch.
        assert len(result.history.test_loss) == result.epochs_run


ESTIMATOR_SETTINGS = st.fixed_dictionaries({
    "hidden_layer_sizes": st.sampled_from([(3,), 4, (2, 2), ()]),
    "max_iter": st.integers(0, 3), "learning_rate_init": st.sampled_from([0.01, 0.5, 1e300]),
    "random_state": st.one_of(st.integers(0, 5), st.none()),
    "batch_size": st.sampled_from([None, 1, 4]), "activation": st.sampled_from(HIDDEN),
    "optimizer": st.sampled_from(list(nncore.OPTIMIZERS)),
    "dropout": st.sampled_from([0.0, 0.2, (0.2,)])})


@pytest.mark.filterwarnings("ignore:A column-vector y was passed")
@FUZZ
@given(data=st.data(), kind=st.sampled_from([nncore.MLPRegressor, nncore.MLPClassifier]),
       good=ESTIMATOR_SETTINGS, rows=st.integers(1, 8))
def test_fuzz_estimator_fit(data, kind, good, rows):
    est = kind(**broken(good, data))
    X = table(data, rows, 2, "X")
    labels = st.permutations(range(rows)).map(lambda order: np.array(order, dtype=int) % 3)
    good_y = st.one_of(labels, labels.map(lambda y: np.array(["a", "b", "c"])[y])) \
        if kind is nncore.MLPClassifier else \
        hnp.arrays(np.float64, (rows,), elements=st.floats(-3, 3))
    bad_y = st.one_of(hnp.arrays(np.float64, (rows,), elements=st.floats(-3, 3)),
                      labels.map(lambda y: y[:, None]), bad_table(rows, 1))
    y = data.draw(bad_y if data.draw(st.integers(0, 3), label="y is bad") == 0 else good_y,
                  label="y")
    fitted = attempt(lambda: est.fit(X, y))
    if fitted is not None:
        assert fitted.n_features_in_ == np.shape(X)[1]
        targets = [y] if kind is nncore.MLPRegressor else []        # labels are no numbers
        assert_finite_or_flagged(fitted.result_, fitted.net_, moderate(X, *targets))
        if not fitted.result_.diverged:
            with np.errstate(over="ignore"):   # a finite but huge network may overflow: flagged
                prediction = attempt(lambda: fitted.predict(np.asarray(X, dtype=float)))
            assert prediction is not None and len(prediction) == len(np.asarray(X))
