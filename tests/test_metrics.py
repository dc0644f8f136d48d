import numpy as np
import pytest
from sklearn import metrics

from mlbcore.targets import Target
from mlbcore.training.metrics import log_loss, primary_score


@pytest.mark.parametrize("seed", range(5))
def test_log_loss_is_scikit_learns_to_the_last_bit(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(2_000) < 0.54).astype(float)
    prob = rng.random(2_000)
    prob[:4] = [0.0, 1.0, 1e-17, 1 - 1e-17]  # clipped, as scikit-learn clips them
    expected = metrics.log_loss(y, prob, labels=[0, 1])
    assert log_loss(y, prob) == expected
    assert primary_score(Target.MONEYLINE_HOME_WIN, y, prob) == expected


def test_log_loss_of_one_outcome_only_is_scikit_learns():
    y, prob = np.ones(50), np.linspace(0.05, 0.95, 50)
    assert log_loss(y, prob) == metrics.log_loss(y, prob, labels=[0, 1])
