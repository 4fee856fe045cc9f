"""The checker's NB-weighted ridge is the linear model it claims to be."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import Ridge

from hotline.classifier.nbridge import NBRidgeClassifier


def _data() -> tuple[sparse.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(0)
    x = sparse.random(120, 40, density=0.2, random_state=1, format="csr")
    y = np.array(["水", "电", "路"])[rng.integers(0, 3, 120)]
    x = x + sparse.csr_matrix((np.ones(120), (np.arange(120), (y == "水") * 1)), shape=x.shape)  # a tell
    return sparse.csr_matrix(x), y


def test_weights_on_raw_features_equal_ridge_on_ratio_scaled_features() -> None:
    x, y = _data()
    model = NBRidgeClassifier(alpha=0.7).fit(x, y)
    present = x.copy()
    present.data[:] = 1
    for k, label in enumerate(model.classes_):
        mine = y == label
        p = 1 + np.asarray(present[mine].sum(0)).ravel()
        q = 1 + np.asarray(present[~mine].sum(0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        scaled = x @ sparse.diags(ratio)
        reference = Ridge(alpha=0.7).fit(scaled, np.where(mine, 1.0, -1.0)).predict(scaled)
        assert model.decision_function(x)[:, k] == pytest.approx(reference, abs=1e-5)


def test_learns_a_telling_feature_and_handles_two_categories() -> None:
    x, y = _data()
    model = NBRidgeClassifier().fit(x, y)
    assert (model.predict(x)[y == "水"] == "水").mean() > 0.9
    two = np.where(y == "水", "水", "其他")
    binary = NBRidgeClassifier().fit(x, two)
    assert binary.coef_.shape == (1, x.shape[1])
    assert (binary.predict(x) == two).mean() > 0.9
    with pytest.raises(ValueError, match="two categories"):
        NBRidgeClassifier().fit(x, np.full(len(y), "水"))
