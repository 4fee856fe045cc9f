"""A second opinion for the classifier: ridge on naive-Bayes-weighted features (NBSVM).

Wang and Manning's NBSVM ("Baselines and Bigrams", ACL 2012) scales each feature, for each
category, by its naive-Bayes log-count ratio — how much more often it occurs in that category's
messages than in the others' — and fits a linear model on the scaled features. On the shared
12345 data it labels a little worse than the plain ridge classifier (macro-F1 0.923 against
0.927), but its calibrated probabilities rank right and wrong answers better: used as the
confidence of the plain model's answer, the share dispatched at once (秒派) at 97.5 % accuracy
rose from 76 % to 81 % (docs/routing.md).

Scaling features by ``r_k`` and fitting weights ``w_k`` is the same linear function as weights
``r_k ⊙ w_k`` on the unscaled features, so the fitted model is stored as an ordinary linear
classifier (``coef_``, ``intercept_``) and scored like one. The fitting itself is scikit-learn's
:class:`~sklearn.linear_model.Ridge`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.linear_model import Ridge
from sklearn.linear_model._base import LinearClassifierMixin


class NBRidgeClassifier(LinearClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """One-vs-rest ridge regressions (±1 targets) on features scaled by naive-Bayes log-count ratios.

    ``alpha`` is the ridge penalty; ``smoothing`` the count added to every feature when the ratios
    are computed (Laplace smoothing, 1 in the paper).
    """

    def __init__(self, alpha: float = 1.0, smoothing: float = 1.0) -> None:
        self.alpha = alpha
        self.smoothing = smoothing

    def fit(self, x: Any, y: Any) -> NBRidgeClassifier:
        x = sparse.csr_matrix(x, dtype=np.float64)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("NBRidgeClassifier needs at least two categories")
        present = x.copy()
        present.data = np.ones_like(present.data)  # the ratios count messages, not weights
        # two categories: one model, for the second (scikit-learn's convention for coef_)
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        coef = np.empty((len(targets), x.shape[1]))
        intercept = np.empty(len(targets))
        for k, label in enumerate(targets):
            mine = y == label
            p = self.smoothing + np.asarray(present[mine].sum(axis=0)).ravel()
            q = self.smoothing + np.asarray(present[~mine].sum(axis=0)).ravel()
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            model = Ridge(alpha=self.alpha).fit(x @ sparse.diags(ratio), np.where(mine, 1.0, -1.0))
            coef[k] = ratio * model.coef_
            intercept[k] = model.intercept_
        # float32 like the plain model's weights: half the file and the memory, same decisions
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = intercept
        self.n_features_in_ = x.shape[1]
        return self
