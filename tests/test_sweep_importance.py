"""Which setting mattered most (labapp.compute.sweep_importance): each axis's share of the
spread of the runs' final test loss, checked against worked examples by hand and against a
least-squares fit on the axis's values (the same share computed another way)."""
import numpy as np
import pandas as pd
import pytest

from labapp.compute import sweep_importance
from labapp.compute.sweep_importance import importance, levels, sentence


def _runs(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    if "diverged" not in frame:
        frame["diverged"] = False
    return frame


def test_a_two_by_two_grid_by_hand():
    """Losses 1, 3 (lr 0.1) and 5, 7 (lr 1); widths 2, 4 alternate. Mean 4, total spread
    9 + 1 + 1 + 9 = 20. By lr the means are 2 and 6: 2·4 + 2·4 = 16, so 80%. By width the
    means are 3 and 5: 2·1 + 2·1 = 4, so 20%. Nothing is left."""
    runs = _runs(learning_rate=[0.1, 0.1, 1.0, 1.0], hidden_width=[2, 4, 2, 4],
                 final_test_loss=[1.0, 3.0, 5.0, 7.0])
    found = importance(runs, ("learning_rate", "hidden_width"))
    assert found.shares["share"].tolist() == pytest.approx([0.8, 0.2])
    assert found.shares["setting"].tolist() == ["learning rate", "hidden units"]
    assert found.rest == pytest.approx(0.0) and found.used == 4 and found.left_out == 0


def test_one_axis_with_seeds_leaves_the_seed_noise_as_the_rest():
    """Dropout 0: seeds 1 and 3; dropout 0.5: seeds 5 and 7. Means 2 and 6 about 4:
    16 of 20 is the axis, the other 4 (20%) the seeds."""
    runs = _runs(dropout=[0.0, 0.0, 0.5, 0.5], final_test_loss=[1.0, 3.0, 5.0, 7.0])
    found = importance(runs, ("dropout",))
    assert found.shares["share"].iloc[0] == pytest.approx(0.8)
    assert found.rest == pytest.approx(0.2)
    assert sentence(found).endswith("dropout 80%. The other 20% is the seed-to-seed noise.")


def test_diverged_runs_are_left_out_and_counted_and_the_rest_is_not_claimed():
    """The diverged run (loss ∞) is dropped: 1, 3 | 5 remain, mean 3, spread 4 + 0 + 4 = 8;
    lr means 2 and 5: 2·1 + 1·4 = 6, so 75%. The runs are no longer balanced: no rest."""
    runs = _runs(learning_rate=[0.1, 0.1, 1.0, 1.0], final_test_loss=[1.0, 3.0, 5.0, np.inf],
                 diverged=[False, False, False, True])
    found = importance(runs, ("learning_rate",))
    assert found.shares["share"].iloc[0] == pytest.approx(0.75)
    assert found.rest is None and found.used == 3 and found.left_out == 1
    assert "1 diverged runs are left out" in sentence(found)
    assert "need not add up to 100%" in sentence(found)


def test_fewer_than_two_finished_runs_give_nothing():
    runs = _runs(learning_rate=[0.1, 1.0], final_test_loss=[1.0, np.inf],
                 diverged=[False, True])
    assert importance(runs, ("learning_rate",)) is None


def test_equal_losses_explain_nothing():
    runs = _runs(learning_rate=[0.1, 1.0], final_test_loss=[0.5, 0.5])
    assert importance(runs, ("learning_rate",)).shares["share"].iloc[0] == 0.0


def test_a_drawn_learning_rate_is_cut_into_four_groups_by_rank():
    values = pd.Series([0.9, 0.01, 0.5, 0.02, 0.3, 0.04, 0.2, 0.05, 0.1, 0.07, 0.08, 0.06])
    grouped = levels(values, continuous=True)
    # sorted: 0.01 0.02 0.04 | 0.05 0.06 0.07 | 0.08 0.1 0.2 | 0.3 0.5 0.9
    expected = {0.01: 0, 0.02: 0, 0.04: 0, 0.05: 1, 0.06: 1, 0.07: 1, 0.08: 2, 0.1: 2, 0.2: 2,
                0.3: 3, 0.5: 3, 0.9: 3}
    assert [int(g) for g in grouped] == [expected[v] for v in values]
    few = pd.Series([0.1, 1.0, 0.1])
    assert levels(few).tolist() == [0.1, 1.0, 0.1], "a listed axis keeps its values"
    assert sweep_importance.BINS == 4


def test_a_binned_axis_is_grouped_by_its_bins_by_hand():
    """Eight drawn rates, two per bin, losses 1 1 | 2 2 | 3 3 | 4 4 by rate: the bins explain
    everything (100%), where grouping by each rate would too; with losses 1 3 | 1 3 | 1 3 | 1 3
    the bins' means are all 2: nothing."""
    rates = [0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.3, 0.9]
    runs = _runs(learning_rate=rates, final_test_loss=[1.0, 1, 2, 2, 3, 3, 4, 4])
    found = importance(runs, ("learning_rate",), continuous=("learning_rate",))
    assert found.shares["share"].iloc[0] == pytest.approx(1.0)
    assert found.binned == ("learning_rate",) and found.rest is None
    flat = runs.assign(final_test_loss=[1.0, 3, 1, 3, 1, 3, 1, 3])
    assert importance(flat, ("learning_rate",), ("learning_rate",)).shares["share"].iloc[0] == 0
    assert importance(flat, ("learning_rate",)).shares["share"].iloc[0] == pytest.approx(1.0)


def _least_squares_share(scores: np.ndarray, groups: np.ndarray) -> float:
    """R² of the loss fitted on one 0/1 column per group: an independent route to η²."""
    dummies = (groups[:, None] == np.unique(groups)[None, :]).astype(float)
    fitted = dummies @ np.linalg.lstsq(dummies, scores, rcond=None)[0]
    return 1 - ((scores - fitted) ** 2).sum() / ((scores - scores.mean()) ** 2).sum()


def test_shares_equal_a_least_squares_fit_and_a_balanced_grid_splits_its_spread_exactly():
    rng = np.random.default_rng(3)
    lr, width, seed = np.meshgrid([0.01, 0.1, 1.0], [2, 4, 8, 16], range(3), indexing="ij")
    loss = (np.log10(lr) ** 2 + 0.1 * np.log2(width) + 0.3 * np.log10(lr) * np.log2(width)
            + rng.normal(0, 0.2, lr.shape)).ravel()
    runs = _runs(learning_rate=lr.ravel(), hidden_width=width.ravel(), final_test_loss=loss)
    found = importance(runs, ("learning_rate", "hidden_width"))
    for axis, share in zip(found.shares["axis"], found.shares["share"]):
        assert share == pytest.approx(_least_squares_share(loss, runs[axis].to_numpy()))
    # the rest is what a fit on both axes' main effects leaves unexplained
    both = np.column_stack([np.ones(len(loss)),
                            *[(runs[a].to_numpy()[:, None] == np.unique(runs[a])[None, 1:])
                              .astype(float) for a in ("learning_rate", "hidden_width")]])
    fitted = both @ np.linalg.lstsq(both, loss, rcond=None)[0]
    unexplained = ((loss - fitted) ** 2).sum() / ((loss - loss.mean()) ** 2).sum()
    assert found.rest == pytest.approx(unexplained)


def test_the_sentence_names_every_share_the_bars_draw_largest_first():
    runs = _runs(learning_rate=[0.1, 0.1, 1.0, 1.0], hidden_width=[2, 4, 2, 4],
                 final_test_loss=[1.0, 3.0, 5.0, 7.0])
    text = sentence(importance(runs, ("hidden_width", "learning_rate")))
    assert "learning rate 80%, hidden units 20%" in text
    assert "over the 4 runs that finished" in text
